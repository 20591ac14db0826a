"""Categories, incidents (cases), their photos and their event log.

A case is reported in a grid and handled at the lowest level that can solve it; its level and due
time move as it is escalated (the workflow comes with the escalation chain). The location is kept
twice: as a WGS84 point for every spatial query, and exactly as the phone sent it (numbers, CRS,
accuracy), so a conversion can always be checked or redone.

Cases and their events are partitioned by month, a case's id carrying the month of its code's day
(incidents.partitions, migration 0016, docs/partitions.md): find a case by its client_id with
`Incident.objects.with_client_id`, and read a period's cases with `received_in` to read only its
months.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govgrid.lib.sqltext import is_in
from grids.models import Area, Person

from . import partitions


class CategoryQuerySet(models.QuerySet):
    def reportable(self):
        """The items a case may be filed under: active, and inside a class."""
        return self.filter(active=True, parent__isnull=False)


class Category(models.Model):
    """Two levels: a class (部件/事件 classes such as 市容环境, or community-governance classes such as
    矛盾纠纷) and its items. Cases are filed under items. Deadlines are hours per level."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("class"), null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    deadline_grid_hours = models.PositiveIntegerField(_("deadline at the grid (hours)"), default=24)
    deadline_community_hours = models.PositiveIntegerField(_("deadline at the community (hours)"), default=48)
    deadline_street_hours = models.PositiveIntegerField(_("deadline at the street (hours)"), default=72)
    # A department's time to handle a case it signed for, unless its route says otherwise (Route).
    deadline_department_hours = models.PositiveIntegerField(
        _("deadline at a department (hours)"), default=40, db_default=40
    )
    # Deadlines count working hours unless the category needs calendar time (urgent hazards).
    calendar_time = models.BooleanField(_("deadline in calendar time"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # Cases about a person's own matters (a dispute between neighbours, help for a household): Open311
    # leaves them out of its public answers (open311/public.py says the rule).
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Cases of this item, or of every item of this class, are left out of public Open311 answers "
            "(callers without a key)."
        ),
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.code} {self.name}"

    def deadline_hours(self, level):
        return getattr(self, f"deadline_{level}_hours")


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")
    ACCEPTED = "accepted", _("accepted")
    DISPATCHED = "dispatched", _("dispatched")  # sent to a department, not yet signed for
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    VERIFIED = "verified", _("verified on site")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    PARKED = "parked", _("parked")  # cannot be solved now; waits for its review date (挂账)


# Open: someone must act on it and its deadline runs. A parked case is neither open nor resolved.
OPEN_STATUSES = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
# Resolved, whether verified and closed yet or not.
RESOLVED_STATUSES = (Status.RESOLVED, Status.VERIFIED, Status.CLOSED)
# A dispatcher's queue holds no case outside these (open, to close, parked until its review): a few
# in a hundred of a city's cases, which the partial index incident_to_handle alone reads.
TO_HANDLE_STATUSES = (*OPEN_STATUSES, Status.RESOLVED, Status.VERIFIED, Status.PARKED)


def is_open_sql(column):
    """SQL: the status in `column` is open (OPEN_STATUSES)."""
    return is_in(column, OPEN_STATUSES)


def is_resolved_sql(column):
    """SQL: the status in `column` is resolved or closed (RESOLVED_STATUSES)."""
    return is_in(column, RESOLVED_STATUSES)


class Channel(models.TextChoices):
    APP = "app", _("grid worker's phone")
    WEB = "web", _("web")
    OPEN311 = "open311", _("Open311")
    RESIDENT = "resident", _("resident's QR code")
    VISIT = "visit", _("found on a household visit")
    MEETING = "meeting", _("decided at a Party group's meeting")


class IncidentQuerySet(models.QuerySet):
    def within(self, code):
        return self.filter(area_code__startswith=code)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def with_client_id(self, client_id):
        """The case a phone's client_id names, found through incidents_clientid: the cases' table
        is partitioned by month and has no index of client_id (incidents.partitions)."""
        keyed = RawSQL("SELECT incident_id FROM incidents_clientid WHERE client_id = %s", [client_id])
        return self.filter(pk__in=keyed)

    def received_in(self, since, until):
        """Cases received from `since` to before `until` (aware datetimes), read from those months'
        partitions only (and the one from before partitioning, if any)."""
        last = timezone.localtime(until - timedelta(microseconds=1)).date()
        return self.filter(received_at__gte=since, received_at__lt=until).filter(
            partitions.month_ids(timezone.localtime(since).date(), last)
        )


class Incident(models.Model):
    code = models.CharField(_("case code"), max_length=24, unique=True)
    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    # sha256 of the report as first received: a retry must match it, a different report under the
    # same client id is refused.
    fingerprint = models.CharField(max_length=64)
    # No index of its own: the (category, status, received_at) index below starts with it.
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, db_index=False)
    description = models.TextField(_("description"), max_length=2000)
    # Indexed with its category (Meta.indexes), which also serves searches by place alone.
    location = models.PointField(_("location"), srid=4326, spatial_index=False)
    input_lon = models.FloatField(_("longitude as sent"))
    input_lat = models.FloatField(_("latitude as sent"))
    input_crs = models.CharField(_("coordinate system as sent"), max_length=10)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    low_accuracy = models.BooleanField(_("low accuracy"), default=False)
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="incidents")
    # The code of the area currently responsible (the grid's code at first): scope filters are
    # prefix matches on it, so a case escalated to the community stays visible to it. Its one index
    # (incident_area_code_prefix below) serves both those and equality.
    area_code = models.CharField(max_length=15)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, on_delete=models.SET_NULL
    )
    reporter_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.APP)
    contact_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("resident's phone"), max_length=20, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    level = models.CharField(_("level"), max_length=10, default="grid")
    due_at = models.DateTimeField(_("due at"))
    # When the time to `due_at` started (its deadline warning comes at a share of it).
    due_from = models.DateTimeField(_("due from"), null=True, blank=True)
    # Raised by every transition: an action names the version it saw, and a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    # A poor rating does not reopen a case by itself: it waits here for a dispatcher to reopen the
    # case or keep it as it is (incidents.workflow). A database default, since the intake writes
    # cases with its own INSERT.
    awaits_rating_decision = models.BooleanField(_("poor rating awaits a decision"), default=False, db_default=False)
    # The lead department handling the case now (派遣, incidents.departments), or none.
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # Resolved by a department: a grid worker of its grid verifies it on site before it is closed (核查).
    needs_verification = models.BooleanField(_("needs verification on site"), default=False, db_default=False)
    # A parked case's review date (挂账).
    review_on = models.DateField(_("review on"), null=True, blank=True)
    # The latest supervision notice (督办), highlighted in queues.
    supervised_at = models.DateTimeField(_("supervised at"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["category", "status", "received_at"]),
            models.Index(fields=["area_code"], name="incident_area_code_prefix", opclasses=["varchar_pattern_ops"]),
            # A report's duplicate search (open cases of its category near it) finds its few
            # candidates in this one index; with the place alone it intersected the place's
            # candidates with every open case of the category. btree_gist gives GiST the bigint.
            GistIndex(fields=["location", "category"], name="incident_location_category"),
            # The dispatchers' queues: the scope's rule (an area prefix OR the user's own reports OR
            # the cases they acted on) cannot use an index, so the queue reads every case to handle
            # from this index alone, without the closed history or the table's rows.
            models.Index(
                fields=["area_code"],
                name="incident_to_handle",
                opclasses=["varchar_pattern_ops"],
                include=["id", "level", "status", "reporter_id", "review_on", "due_at"],
                condition=models.Q(status__in=TO_HANDLE_STATUSES),
            ),
            # The maps of a period (the density map counts a district's months of cases per grid and
            # gathers their places into a heat map): the period's cases read from the index alone.
            models.Index(
                fields=["received_at"], name="incident_received_where", include=["grid_id", "category_id", "location"]
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def is_overdue(self):
        """Still open and past its deadline (a closed case is never overdue)."""
        return self.status in OPEN_STATUSES and self.due_at < timezone.now()


class IncidentPhoto(models.Model):
    """A picture of a case: `before` as reported or while handled, `after` the work, taken on site
    where it is located (the verification on site needs one, incidents.workflow)."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("before")
        AFTER = "after", _("after")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.BEFORE, db_default="before")
    location = models.PointField(_("where it was taken"), srid=4326, null=True, blank=True, spatial_index=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="incidents/%Y/%m/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "sha256"], name="one_copy_of_each_photo")]


class IncidentEvent(models.Model):
    """What happened to a case, who did it, when. Written in the same transaction as the change, and
    never changed afterwards: a database trigger refuses UPDATE and DELETE (migration 0004), except
    for purge_incidents below, which removes whole cases (demo reloads, test clean-up)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    from_level = models.CharField(max_length=10, blank=True)
    to_level = models.CharField(max_length=10)
    reason = models.CharField(max_length=500, blank=True)
    note = models.TextField(blank=True)
    # The department the action concerns: sent to (dispatch), or acting for (sign, contest, ...).
    department = models.ForeignKey("grids.Department", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # the residents' word on cases (incidents.figures.residents_word_sql): each case's latest
            # rating, read from the index in the cases' order instead of every event of every month
            # (the dashboard's residents' figures of a demo year: 47 ms, most of it that scan)
            models.Index(
                fields=["incident", "-at", "-id"], condition=models.Q(action="rate"), name="incidentevent_rated"
            ),
        ]


class DailySequence(models.Model):
    """The last case number given out in a district on a day (codes: 411381-20261122-0007)."""

    district_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district_code", "day"], name="one_sequence_a_day")]


def purge_incidents(incidents):
    """Delete whole cases with their events and photo files: for replacing the demo city and for
    tests and benchmarks. Events are otherwise append-only; the trigger lets this transaction through."""
    with transaction.atomic():
        with connection.cursor() as cursor:  # the setting the trigger of migration 0004 reads
            cursor.execute("SET LOCAL govgrid.purge_cases = 'on'")
        files = [photo.file for photo in IncidentPhoto.objects.filter(incident__in=incidents)]
        count = incidents.delete()[1].get("incidents.Incident", 0)
    for file in files:
        file.delete(save=False)
    return count


# The departments' part of a case (routing, dispatches, extensions, call-backs, response templates).
from .department_models import Callback, Dispatch, Extension, ResponseTemplate, Route, templates_for  # noqa: E402, F401
