"""The records of the departments' part of a case, beside its state and events: which department a
category goes to where (Route), a case sent to a department (Dispatch), an extension asked for
(Extension), a call-back to the resident (Callback), and the reusable texts of dispatchers and
departments (ResponseTemplate). incidents.models imports them, so they are the app's models."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Area

from .models import Category, Incident


class Route(models.Model):
    """Which department handles a category where (FixMyStreet's contacts): a category item or a whole
    class, in one street or, with no street, wherever the department is competent; with its own
    handling time if the category's does not fit the department."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="routes")
    department = models.ForeignKey(
        "grids.Department", verbose_name=_("department"), on_delete=models.CASCADE, related_name="routes"
    )
    street = models.ForeignKey(
        Area,
        verbose_name=_("street"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routes",
        limit_choices_to={"level": "street"},
        help_text=_("Leave empty for every street where the department is competent."),
    )
    handling_hours = models.PositiveIntegerField(
        _("handling time (hours)"), null=True, blank=True, help_text=_("Leave empty for the category's.")
    )
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=1, help_text=_("Among routes as specific as this one, the lower rank is suggested first.")
    )

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "department", "street"], name="one_route_a_street", nulls_distinct=False
            )
        ]

    def __str__(self):
        return f"{self.category} → {self.department}"


class Dispatch(models.Model):
    """派遣: a case sent to a department, as its lead (主办) or one of its co-handlers (协办). The
    department signs for it (签收) by `sign_due_at`, handles it by `due_at`, or contests it (退单).
    It ends only with a contest: the lead's ends the co-handlers' parts too (withdrawn). A dispatch
    of a closed case stays as the record of who handled it, and holds again if the case is reopened."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        CO = "co", _("co-handler")

    class Outcome(models.TextChoices):
        OPEN = "", _("open")
        CONTESTED = "contested", _("contested")
        WITHDRAWN = "withdrawn", _("withdrawn")  # a co-handler's part, when the lead contested

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="dispatches")
    department = models.ForeignKey(
        "grids.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="dispatches"
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    note = models.TextField(_("note"), blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    sign_due_at = models.DateTimeField(_("sign for by"))
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["dispatched_at", "id"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        indexes = [models.Index(fields=["department", "ended_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "department"],
                condition=Q(ended_at__isnull=True),
                name="one_open_dispatch_a_department",
            ),
            models.UniqueConstraint(
                fields=["incident"], condition=Q(ended_at__isnull=True, role="lead"), name="one_open_lead"
            ),
            models.CheckConstraint(
                name="an_ended_dispatch_has_an_outcome",
                condition=Q(ended_at__isnull=True, outcome="") | Q(ended_at__isnull=False) & ~Q(outcome=""),
            ),
        ]


class Extension(models.Model):
    """延期: a handler asks for a later deadline with a reason; a dispatcher or a leader over the case,
    not the one who asked, approves or refuses it. The deadline moves only on approval."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="extensions")
    department = models.ForeignKey("grids.Department", null=True, blank=True, on_delete=models.PROTECT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    due_before = models.DateTimeField(_("due before"))
    due_asked = models.DateTimeField(_("due time asked for"))
    reason = models.CharField(_("reason"), max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approved = models.BooleanField(_("approved"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["incident"], condition=Q(decided_at__isnull=True), name="one_pending_extension"
            ),
        ]


class Callback(models.Model):
    """回访: a dispatcher or a leader called the resident back about a case (the event says so in
    words; this row keeps the answers for the figures)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="callbacks")
    department = models.ForeignKey("grids.Department", null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(_("called at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reached = models.BooleanField(_("resident reached"))
    satisfied = models.BooleanField(_("resident satisfied"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        constraints = [
            models.CheckConstraint(
                name="a_resident_not_reached_says_nothing", condition=Q(reached=True) | Q(satisfied__isnull=True)
            )
        ]


class ResponseTemplate(models.Model):
    """A reusable text for notes, contests and call-backs, kept by an area's dispatchers or by a
    department, for a category (an item or a whole class) or for every one."""

    class Use(models.TextChoices):
        NOTE = "note", _("note or reason")
        CONTEST = "contest", _("contest")
        CALLBACK = "callback", _("call-back")

    use = models.CharField(_("used for"), max_length=10, choices=Use.choices, default=Use.NOTE)
    text = models.CharField(_("text"), max_length=500)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("The area whose dispatchers use it (and the areas inside it)."),
    )  # fmt: skip
    department = models.ForeignKey(
        "grids.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        ordering = ["use", "text"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        constraints = [
            models.CheckConstraint(
                name="a_template_belongs_to_an_area_or_a_department",
                condition=Q(area__isnull=False, department__isnull=True)
                | Q(area__isnull=True, department__isnull=False),
            )
        ]

    def __str__(self):
        return self.text


def templates_for(scope, category, use=None):
    """The templates a user may use for a case of this category: their departments', and those of
    the areas they dispatch in and of the areas above (an area's template serves the areas inside it)."""
    if scope.everything:
        mine = Q()
    else:
        codes = {code[:length] for code in scope.dispatches for length in (6, 9, 12, 15) if length <= len(code)}
        mine = Q(department_id__in=scope.departments) | Q(area__code__in=codes)
    found = ResponseTemplate.objects.filter(mine).filter(
        Q(category__isnull=True) | Q(category=category) | Q(category_id=category.parent_id)
    )
    return found.filter(use=use) if use else found
