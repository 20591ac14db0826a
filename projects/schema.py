"""How the project register's API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

from .figures import COLUMNS
from .models import Kind, Milestone, Project, ProjectEvent, Verification

TAG = ["projects"]


class ProjectPerson(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectSummary(serializers.Serializer):
    id = serializers.IntegerField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    kind_label = serializers.CharField()
    title = serializers.CharField()
    goal = serializers.CharField()
    owner = ProjectPerson()
    budget = serializers.CharField(allow_null=True, help_text=_("Yuan, two decimals."))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.ChoiceField(choices=Project.Status.choices)
    status_label = serializers.CharField()
    registered_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text=_("Send it back with a change of the project."))
    milestones_count = serializers.IntegerField()
    overdue_milestones = serializers.IntegerField(
        help_text=_("Milestones past their due date and not closed off, in a project under way.")
    )
    may_change = serializers.BooleanField()
    may_review = serializers.BooleanField()


class ProjectFile(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["photo", "pdf"])
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.CharField(help_text=_("Served to those who see the project."))


class ProjectReport(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    reported_by = serializers.IntegerField()
    reported_by_name = serializers.CharField()
    reported_at = serializers.DateTimeField()
    files = ProjectFile(many=True)


class ProjectVerification(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=Verification.Decision.choices)
    decision_label = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    by = serializers.IntegerField()
    by_name = serializers.CharField()
    at = serializers.DateTimeField()
    report = serializers.IntegerField(allow_null=True)


class ProjectMilestone(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    evidence_required = serializers.CharField()
    status = serializers.ChoiceField(choices=Milestone.Status.choices)
    status_label = serializers.CharField()
    overdue = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text=_("Send it back with a report, a verification or a return."))
    reports = ProjectReport(many=True)
    verifications = ProjectVerification(many=True)


class ProjectHistoryEvent(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ProjectEvent.Action.choices)
    action_label = serializers.CharField()
    milestone = serializers.IntegerField(allow_null=True)
    milestone_title = serializers.CharField(allow_null=True)
    actor = serializers.IntegerField()
    actor_name = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)
    before = serializers.JSONField(allow_null=True, help_text=_("An edit: the facts it changed, as they were."))
    after = serializers.JSONField(allow_null=True)


class ProjectDetail(ProjectSummary):
    milestones = ProjectMilestone(many=True)
    verifications = ProjectVerification(many=True, help_text=_("The project's own: its closing off."))
    history = ProjectHistoryEvent(many=True, help_text=_("Every change, oldest first; never edited."))
    may_close_off = serializers.BooleanField()


class ProjectFiguresRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    registered = serializers.IntegerField()
    open = serializers.IntegerField()
    closed_off = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    milestones_due = serializers.IntegerField(help_text=_("Due on or before today, of projects not withdrawn."))
    milestones_closed_off = serializers.IntegerField()
    milestones_overdue = serializers.IntegerField()
    milestones_closed_off_on_time = serializers.IntegerField(help_text=_("Closed off on or before their due date."))
    budget = serializers.CharField(help_text=_("Yuan, of the projects not withdrawn."))


assert tuple(ProjectFiguresRow().fields) == COLUMNS  # the document names the columns the CSV has


class ProjectFigures(serializers.Serializer):
    level = serializers.CharField()
    areas = ProjectFiguresRow(many=True)


STALE = _("409 `stale` when `version` is not the one now; the answer carries the current `version`.")


def project_list(query):
    return extend_schema(
        operation_id="project_list",
        tags=TAG,
        summary=_("Projects in your areas and those you own, newest first"),
        parameters=[query, within_parameter()],
        responses={200: ProjectSummary(many=True), **errors(400, 401, 404)},
    )


def project_create(request):
    return extend_schema(
        operation_id="project_create",
        tags=TAG,
        summary=_("Register a project (立项) in a street or community, with its milestones"),
        description=_(
            "By those who may change the area. The owner is a person serving in your areas; every "
            "milestone is due between the project's start and end."
        ),
        request=request,
        responses={201: ProjectDetail, **errors(400, 401, 403, 404)},
    )


project_read = extend_schema(
    operation_id="project_read",
    tags=TAG,
    summary=_("A project with its milestones, reports, verifications and history"),
    responses={200: ProjectDetail, **errors(401, 404)},
)


def project_edit(request):
    return extend_schema(
        operation_id="project_edit",
        tags=TAG,
        summary=_("Edit a project's facts; the history keeps them before and after"),
        description=STALE,
        request=request,
        responses={200: ProjectDetail, **errors(400, 401, 403, 404, 409)},
    )


def milestone_add(request):
    return extend_schema(
        operation_id="project_milestone_add",
        tags=TAG,
        summary=_("Add a milestone at the end of a project's milestones"),
        description=STALE,
        request=request,
        responses={201: ProjectDetail, **errors(400, 401, 403, 404, 409)},
    )


def milestone_report(request):
    return extend_schema(
        operation_id="project_milestone_report",
        tags=TAG,
        summary=_("Report progress on a milestone, with photos and PDF files (multipart)"),
        description=_(
            "By the area's staff or the project's owner, on a milestone not reported yet or returned. "
            "Photos are kept without their metadata; every file is checked before anything is kept. "
        )
        + STALE,
        request={"multipart/form-data": request},
        responses={201: ProjectDetail, **errors(400, 401, 403, 404, 409)},
    )


def _decision(operation_id, summary, description):
    def document(request):
        return extend_schema(
            operation_id=operation_id,
            tags=TAG,
            summary=summary,
            description=description + " " + STALE,
            request=request,
            responses={200: ProjectDetail, **errors(400, 401, 403, 404, 409)},
        )

    return document


REVIEWER = _(
    "By the staff or a leader of the area above the project's area, never by whoever reported the "
    "evidence (403). A milestone with no progress reported is 409."
)
verify = _decision("project_milestone_verify", _("Verify a milestone's evidence and close it off (销号)"), REVIEWER)
return_ = _decision("project_milestone_return", _("Return a milestone's evidence with a reason"), REVIEWER)
close_off = _decision(
    "project_close_off",
    _("Close off the whole project (项目销号)"),
    _("Only when every milestone is closed off (else 409), by a reviewer above who reported none of its evidence."),
)
withdraw = _decision(
    "project_withdraw",
    _("Withdraw a project, with a reason"),
    _("Nothing is deleted; only before anything of it was verified (else 409)."),
)

evidence = extend_schema(
    operation_id="project_evidence",
    tags=TAG,
    summary=_("An evidence file of a project: to those who see it"),
    responses={
        (200, "image/*"): OpenApiTypes.BINARY,
        (200, "application/pdf"): OpenApiTypes.BINARY,
        **errors(401, 404),
    },
)


def figures(query):
    return extend_schema(
        operation_id="project_figures",
        tags=TAG,
        summary=_("The project register's figures per area of a level"),
        parameters=[query, within_parameter()],
        responses={200: ProjectFigures, **errors(400, 401, 404)},
    )


def figures_csv(query):
    return extend_schema(
        operation_id="project_figures_csv",
        tags=TAG,
        summary=_("The same figures as CSV"),
        parameters=[query, within_parameter()],
        responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 404)},
    )
