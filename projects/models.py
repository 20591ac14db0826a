"""The project register (项目化、销号): a street's or community's Party-building, governance or
service project, its milestones in order, the progress reported on them with evidence, the
reviewers' verifications (销号) and returns, and the append-only history of every change.

State changes live in projects.services; who may make them in projects.rules. The history
(ProjectEvent), the reports, their evidence and the verifications are append-only: a trigger
(migration 0002) refuses UPDATE and DELETE on them, but for a purge of whole demo or test data
(purge_projects). Foreign keys to areas, people and users cascade only so that such a purge can
remove a whole district; anywhere else the trigger refuses the deletion.
"""

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area, Person


class Kind(models.TextChoices):
    PARTY_BUILDING = "party_building", _("Party building")
    GOVERNANCE = "governance", _("governance")
    SERVICE = "service", _("service")


class Project(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("under way")
        CLOSED_OFF = "closed_off", _("closed off")
        WITHDRAWN = "withdrawn", _("withdrawn")

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="projects")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"), max_length=4000)
    owner = models.ForeignKey(Person, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="projects")
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("registered by")
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed off at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=1000, blank=True)
    # Sent back with every change: a change made on a stale copy is refused (409).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="project_ends_after_start"
            )
        ]

    def __str__(self):
        return self.title


class Milestone(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("not yet reported")
        REPORTED = "reported", _("reported, awaiting review")
        RETURNED = "returned", _("returned")
        CLOSED_OFF = "closed_off", _("closed off")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    evidence_required = models.CharField(_("evidence that closes it"), max_length=1000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    closed_at = models.DateTimeField(_("closed off at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "position"]
        constraints = [models.UniqueConstraint(fields=["project", "position"], name="one_milestone_per_position")]

    def __str__(self):
        return self.title


class ProgressReport(models.Model):
    """What the owner's side reports on a milestone: text and evidence files."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("progress"), max_length=4000)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["milestone_id", "reported_at", "id"]

    def __str__(self):
        return f"{self.milestone} · {self.reported_at:%Y-%m-%d}"


class Evidence(models.Model):
    """A photo (stripped of its metadata as every photo is) or a PDF file of a progress report,
    served only to those who see the project (projects.api EvidenceView)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        PDF = "pdf", _("PDF file")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="projects/%Y/%m/")

    def __str__(self):
        return self.name


class Verification(models.Model):
    """A reviewer's decision: a milestone's report verified (销号) or returned with a reason, or
    the whole project verified and closed off (milestone empty)."""

    class Decision(models.TextChoices):
        VERIFIED = "verified", _("verified and closed off")
        RETURNED = "returned", _("returned")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="verifications")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, related_name="verifications")
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, null=True, related_name="verifications")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = models.CharField(max_length=1000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_decision_display()} · {self.at:%Y-%m-%d}"


class ProjectEvent(models.Model):
    """One change of a project, never updated or deleted (the trigger of migration 0002)."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("registered")
        EDITED = "edited", _("edited")
        MILESTONE_ADDED = "milestone_added", _("milestone added")
        REPORTED = "reported", _("progress reported")
        VERIFIED = "verified", _("verified and closed off")
        RETURNED = "returned", _("returned")
        CLOSED_OFF = "closed_off", _("project closed off")
        WITHDRAWN = "withdrawn", _("withdrawn")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


def purge_projects(area_code):
    """Delete every project of an area and below, with its history and evidence files (demo reloads,
    tests): the history is otherwise append-only, and the trigger lets this transaction through."""
    with transaction.atomic():
        with connection.cursor() as cursor:  # the setting migration 0002's trigger reads
            cursor.execute("SET LOCAL govgrid.purge_projects = 'on'")
        projects = Project.objects.filter(area__code__startswith=area_code)
        files = [e.file for e in Evidence.objects.filter(report__milestone__project__in=projects)]
        ProjectEvent.objects.filter(project__in=projects).delete()
        Verification.objects.filter(project__in=projects).delete()
        Evidence.objects.filter(report__milestone__project__in=projects).delete()
        ProgressReport.objects.filter(milestone__project__in=projects).delete()
        count = projects.delete()[1].get("projects.Project", 0)
    for file in files:
        file.delete(save=False)
    return count
