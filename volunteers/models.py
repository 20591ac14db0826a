"""Party members and volunteers serving their grids: residents' service requests and their loop
(点单 → 审核 → 派单 → 接单 → 完成 → 评单), volunteer teams and profiles, activities with sign-up and
attendance on site, and the points ledger every credited hour and rated service writes to.

The rules of each change live in `services` (requests), `activities` and `ledger`; these are the rows.
A request's steps and the ledger are append-only at the database (migration 0002's triggers).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area, HouseholdLink, PartyMeeting, Person, Visit, WorkUnit


class Profile(models.Model):
    """What a member or volunteer offers: the service kinds they take (none: any kind), and
    whether they take requests now."""

    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="volunteer")
    skills = ArrayField(
        models.CharField(max_length=20), verbose_name=_("service kinds taken"), default=list, blank=True
    )
    available = models.BooleanField(_("takes requests now"), default=True)

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")

    def takes(self, kind):
        return self.available and (not self.skills or kind in self.skills)


class Team(models.Model):
    """A volunteer team of a community: its own, or a work unit's stationed in it (驻点团队). A grid's
    Party-member service team is not one of these: it is its members' assignments (grids)."""

    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
        limit_choices_to={"level": "community"},
    )
    work_unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    skills = ArrayField(models.CharField(max_length=20), verbose_name=_("service kinds"), default=list, blank=True)
    leader = models.ForeignKey(
        Person, verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(Person, through="TeamMember", related_name="volunteer_teams")

    class Meta:
        ordering = ["community__code", "name"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="team_memberships")
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "person", "starts_on"], name="one_membership_a_day"),
            models.CheckConstraint(
                name="membership_ends_after_it_starts",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
            ),
        ]


class ServiceRequest(models.Model):
    """A resident's request for a service (点单), from its asking to its rating."""

    class Status(models.TextChoices):
        ASKED = "asked", _("waiting for review")
        REFUSED = "refused", _("refused")
        CASE = "case", _("made a case")
        OFFERED = "offered", _("offered to volunteers")
        CLAIMED = "claimed", _("claimed")
        DONE = "done", _("done, to be confirmed")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")

    class Channel(models.TextChoices):
        RESIDENT = "resident", _("resident page")
        GRID_WORKER = "grid_worker", _("through the grid worker")
        STAFF = "staff", _("through community staff")
        VISIT = "visit", _("found on a visit")
        MEETING = "meeting", _("decided at a meeting")

    class Tier(models.TextChoices):
        """Who it is offered to, widening with time: the household's or grid's linked members, the
        grid's service team, the community's teams; then community staff (assign directly)."""

        LINKED = "linked", _("members linked to the grid or household")
        GRID_TEAM = "grid_team", _("the grid's service team")
        COMMUNITY_TEAMS = "community_teams", _("the community's volunteer teams")
        STAFF = "staff", _("community staff")

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    client_id = models.UUIDField(unique=True)  # made by the phone or page that asked: a retry is the same request
    secret_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)  # the resident's private link
    fingerprint = models.CharField(max_length=64, blank=True)  # of what was sent: a retry must match it
    device = models.CharField(max_length=64, blank=True)  # a digest of the resident's device cookie (throttles)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    community = models.ForeignKey(Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="service_requests"
    )
    household_link = models.ForeignKey(
        HouseholdLink,
        verbose_name=_("household link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("service kind"), max_length=20)  # a key of volunteers.kinds
    description = models.TextField(_("description"), max_length=2000)
    for_whom = models.CharField(_("for whom"), max_length=20)  # a key of volunteers.kinds.FOR_WHOM
    place = models.CharField(_("place"), max_length=200, blank=True)
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    wanted_from = models.DateTimeField(_("wanted from"), null=True, blank=True)
    wanted_until = models.DateTimeField(_("wanted until"), null=True, blank=True)
    # Personal data: shown to those who handle the request (its community's staff) and to its volunteer.
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # staff or a grid worker asking for a resident; none for a resident's own
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ASKED)
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # of a refusal or a cancellation
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="service_requests"
    )
    tier = models.CharField(_("offered to"), max_length=16, choices=Tier.choices, blank=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)  # first offered
    widened_at = models.DateTimeField(null=True, blank=True)  # the offer last widened to a tier
    volunteer = models.ForeignKey(
        Person,
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_tasks",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes spent"), null=True, blank=True)
    done_note = models.CharField(_("what was done"), max_length=1000, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_note = models.CharField(_("comment"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["community", "status", "asked_at"], name="service_request_queue"),
            models.Index(fields=["volunteer", "status"], name="service_request_tasks"),
        ]
        constraints = [
            models.CheckConstraint(
                name="service_request_claimed_has_its_volunteer",
                condition=Q(
                    status__in=["claimed", "done", "confirmed"], volunteer__isnull=False, claimed_at__isnull=False
                )
                | ~Q(status__in=["claimed", "done", "confirmed"]),
            ),
            models.CheckConstraint(
                name="service_request_rating_1_to_5", condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)
            ),
            models.CheckConstraint(
                name="service_request_case_names_it", condition=~Q(status="case") | Q(incident__isnull=False)
            ),
        ]

    def __str__(self):
        return self.tracking_code


class Offer(models.Model):
    """A request offered to one person (派单): open until claimed by anyone, given back, or closed."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="offers")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="service_offers")
    tier = models.CharField(max_length=16, choices=ServiceRequest.Tier.choices)
    offered_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person"], condition=Q(closed_at__isnull=True), name="open_offers_of_a_person")]
        constraints = [models.UniqueConstraint(fields=["request", "person"], name="one_offer_a_person")]


class RequestStep(models.Model):
    """One step of a request, never updated or deleted: who did what, when, and why."""

    class Action(models.TextChoices):
        ASK = "ask", _("asked")
        ACCEPT = "accept", _("accepted")
        REFUSE = "refuse", _("refused")
        MAKE_CASE = "make_case", _("made a case")
        OFFER = "offer", _("offered")
        WIDEN = "widen", _("offered more widely")
        ESCALATE = "escalate", _("left to community staff")
        ASSIGN = "assign", _("assigned")
        CLAIM = "claim", _("claimed")
        GIVE_BACK = "give_back", _("given back")
        DONE = "done", _("recorded done")
        CONFIRM = "confirm", _("confirmed and rated")
        CANCEL = "cancel", _("cancelled")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by_resident = models.BooleanField(default=False)
    note = models.CharField(max_length=1000, blank=True)
    offered_to = models.PositiveIntegerField(null=True, blank=True)  # how many the offer reached

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]


class RequestPhoto(models.Model):
    """A photo the volunteer took of the service done (stripped of its metadata on arrival)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="volunteers/%Y/%m/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "sha256"], name="one_copy_of_each_request_photo")]


class Activity(models.Model):
    """A volunteer activity a community publishes: a place, a time, how many it takes and the hours
    it credits to those who attend (attendance is taken on site with the organiser's code)."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="activities"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    kind = models.CharField(_("service kind"), max_length=20, blank=True)
    place = models.CharField(_("place"), max_length=200)
    location = models.PointField(_("location"), srid=4326)
    radius_m = models.PositiveIntegerField(_("attendance radius (m)"), default=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    hours = models.DecimalField(_("hours credited"), max_digits=5, decimal_places=2)
    secret = models.CharField(max_length=64)  # the organiser's rotating attendance code is made from it
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        indexes = [models.Index(fields=["community", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                name="activity_ends_after_it_starts", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
            models.CheckConstraint(name="activity_credits_hours", condition=Q(hours__gt=0, hours__lte=24)),
        ]

    def __str__(self):
        return self.title


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sign_ups")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="activity_sign_ups")
    at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="one_sign_up_a_person")]


class Attendance(models.Model):
    """A member present at an activity, checked with the organiser's code and the phone's position."""

    client_id = models.UUIDField(unique=True)
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    at = models.DateTimeField(default=timezone.now)
    location = models.PointField(srid=4326, null=True, blank=True)
    metres = models.FloatField(null=True, blank=True)  # from the activity's place
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="attends_once")]


class LedgerEntry(models.Model):
    """One credited row of a member's hours and points (积分). Never updated or deleted: a mistake
    is set right by a correction row. Each credit names its source, so crediting twice is refused by
    the database (one row per kind and request, per kind, activity and person)."""

    class Kind(models.TextChoices):
        SERVICE_HOURS = "service_hours", _("hours of a service")
        RATED_SERVICE = "rated_service", _("a rated service")
        ACTIVITY_HOURS = "activity_hours", _("hours of an activity")
        CORRECTION = "correction", _("correction")

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, default=0)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=0)
    # Where the credit counts, as it was when credited (a member who moves keeps their past where it was).
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    work_unit = models.ForeignKey(WorkUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    request = models.ForeignKey(ServiceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="credits")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="credits")
    note = models.CharField(_("note"), max_length=300, blank=True)
    credited_at = models.DateTimeField(default=timezone.now)
    credited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["person", "on"]),
            models.Index(fields=["work_unit", "on"]),
            models.Index(fields=["community", "on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "request"], condition=Q(request__isnull=False), name="credit_a_request_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "activity", "person"],
                condition=Q(activity__isnull=False),
                name="credit_an_activity_once",
            ),
            models.CheckConstraint(
                name="ledger_entry_names_its_source",
                condition=Q(kind="correction", note__gt="")
                | Q(kind__in=["service_hours", "rated_service"], request__isnull=False)
                | Q(kind="activity_hours", activity__isnull=False),
            ),
        ]


class VisitFinding(models.Model):
    """What a visit or a meeting turned into: a case in the grid, or a service request."""

    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="findings")
    meeting = models.ForeignKey(PartyMeeting, null=True, blank=True, on_delete=models.CASCADE, related_name="findings")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    request = models.ForeignKey(ServiceRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    client_id = models.UUIDField(unique=True)  # the phone's tap: sent again, it is the same finding
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="finding_of_a_visit_or_a_meeting",
                condition=Q(visit__isnull=False, meeting__isnull=True) | Q(visit__isnull=True, meeting__isnull=False),
            ),
            models.CheckConstraint(
                name="finding_is_a_case_or_a_request",
                condition=Q(incident__isnull=False, request__isnull=True)
                | Q(incident__isnull=True, request__isnull=False),
            ),
        ]
