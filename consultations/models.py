"""协商议事: issues residents raise for the community to deliberate, walked through the stages of
the community's method (consultations.stages), with their meetings, the decision, the cases the
decision creates and the residents' evaluation.

An item's status:

| status  | when                                                                           |
|---------|--------------------------------------------------------------------------------|
| open    | raised, not yet decided                                                        |
| decided | the decision is recorded (at the decision stage)                               |
| solved  | its implementation stage is done (the item has moved on to the evaluation     |
|         | stage) and a resident's evaluation is recorded there: the first evaluation     |
|         | makes it solved, whatever its rating (satisfaction is counted on its own)       |
| dropped | given up, with a reason, at any stage before it was solved                     |

Every move is a StageStep row, written in the same transaction and never changed (consultations.services).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govgrid.lib.errors import GovgridError
from grids.models import Area

from .stages import DEFAULT_STAGES, check_stages


class Method(models.Model):
    """A community's own ordered stages (consultations.stages.check_stages); without one, the default."""

    community = models.OneToOneField(
        Area, verbose_name=_("community"), on_delete=models.CASCADE, related_name="consultation_method"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    stages = models.JSONField(_("stages"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("consultation method")
        verbose_name_plural = _("consultation methods")

    def __str__(self):
        return self.name or str(self.community)

    def clean(self):  # the admin's form: the same rules as the API's
        try:
            self.stages = check_stages(self.stages)
        except GovgridError as refused:
            raise ValidationError({"stages": refused.message}) from None


def stages_of(community):
    """The stages a new item of this community goes through."""
    method = Method.objects.filter(community=community).first()
    return method.stages if method else DEFAULT_STAGES


class Item(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DECIDED = "decided", _("decided")
        SOLVED = "solved", _("solved")
        DROPPED = "dropped", _("dropped")

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="consultation_items"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    proposer_name = models.CharField(_("proposer's name"), max_length=50, blank=True)  # personal data
    proposer_phone = models.CharField(_("proposer's phone"), max_length=20, blank=True)  # personal data
    proposed_by_resident = models.BooleanField(_("proposed by a resident"), default=False)
    participants = models.JSONField(_("kinds of participants"), default=list)  # keys of stages.PARTICIPANT_KINDS
    stages = models.JSONField(_("stages"))  # the method's stages when it was raised
    stage = models.PositiveSmallIntegerField(_("current stage"), default=0)  # an index into stages
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    dropped_reason = models.CharField(_("reason dropped"), max_length=500, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the member of staff who recorded it; none for a resident's own proposal
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    client_id = models.UUIDField(null=True, blank=True, unique=True)  # a retry is the same item
    fingerprint = models.CharField(max_length=64, blank=True)
    secret_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)  # the proposer's private link
    device = models.CharField(max_length=64, blank=True)  # a digest of a resident's device cookie
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("consultation item")
        verbose_name_plural = _("consultation items")
        indexes = [models.Index(fields=["community", "status", "proposed_at"], name="consultation_item_list")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True) | ~Q(status="open"),
                name="consultation_open_not_decided",
            ),
            models.CheckConstraint(
                condition=Q(status="solved", solved_at__isnull=False, decided_at__isnull=False)
                | (~Q(status="solved") & Q(solved_at__isnull=True)),
                name="consultation_solved_when_solved",
            ),
            models.CheckConstraint(
                condition=~Q(status="decided") | Q(decided_at__isnull=False), name="consultation_decided_has_time"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def current(self):
        return self.stages[self.stage]

    @property
    def kind(self):
        return self.current["kind"]

    @property
    def closed(self):
        return self.status in (self.Status.SOLVED, self.Status.DROPPED)

    def stage_label(self, index=None):
        stage = self.stages[self.stage if index is None else index]
        return stage["name"]


class StageStep(models.Model):
    """One move of an item: raised, on to the next stage, decided, dropped. Append-only."""

    class Action(models.TextChoices):
        PROPOSE = "propose", _("proposed")
        ADVANCE = "advance", _("moved on")
        DECIDE = "decide", _("decided")
        MEETING = "meeting", _("meeting recorded")
        FOLLOW_UP = "follow_up", _("follow-up case")
        EVALUATE = "evaluate", _("evaluated")
        SOLVE = "solve", _("solved")
        DROP = "drop", _("dropped")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    to_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class Meeting(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="meetings")
    stage = models.PositiveSmallIntegerField()  # the item's stage when it was held
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=100)
    minutes = models.TextField(_("minutes"))
    attendance = models.JSONField(_("attendance"), default=dict)  # {participant kind: count}
    attendees = models.JSONField(_("attendees"), default=list)  # names as signed in
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "id"]

    @property
    def attended(self):
        return sum(self.attendance.values())


class FollowUp(models.Model):
    """A case the decision created (made through intake) or an open case it was linked to."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="follow_ups")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="consultation_links")
    created = models.BooleanField(default=True)  # made for the item, or an existing case linked
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "incident"], name="one_link_per_case_and_item")]


class Evaluation(models.Model):
    """A resident's evaluation of the result: by the proposer's private link, or a resident's word
    recorded by staff (a visit, a call, a meeting), with the resident's name where given."""

    class By(models.TextChoices):
        RESIDENT = "resident", _("the resident, by the private link")
        STAFF = "staff", _("staff, recording a resident's word")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="evaluations")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    by = models.CharField(max_length=10, choices=By.choices)
    resident_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="consultation_rating_1_to_5"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(by="resident"), name="one_evaluation_by_the_private_link"
            ),
        ]
