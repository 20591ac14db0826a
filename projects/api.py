"""The project register's API under /api/v1/projects/: list and register, read and edit, milestones,
progress reports with their evidence files (multipart), verification (销号) and return, closing off
and withdrawal, the figures per area as JSON and CSV. Each change is one function of
projects.services; its input is checked here first (a 400 naming the field)."""

import io

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from exports.api import AnyAccept
from govgrid.lib.api_input import Versioned, checked
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.moments import BoundedDateField
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField, ScopedMixin
from grids.models import CODE_LENGTH, Level

from . import figures, reading, services
from . import schema as docs
from .models import Evidence, Kind, Project

# --- input ---------------------------------------------------------------------------------------


class MilestoneInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = BoundedDateField()
    evidence_required = serializers.CharField(
        max_length=1000, help_text=gettext_lazy("What evidence closes it off, e.g. photos of the meeting.")
    )


class ProjectInput(serializers.Serializer):
    area = AreaCodeField(help_text=gettext_lazy("The street's or community's code."))
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)
    goal = serializers.CharField(max_length=4000)
    owner = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("A person's id."))
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None,
        help_text=gettext_lazy("Yuan."),
    )  # fmt: skip
    starts_on = BoundedDateField()
    ends_on = BoundedDateField()
    milestones = MilestoneInput(many=True, required=False, default=list)


class ProjectEditInput(Versioned):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    goal = serializers.CharField(max_length=4000, required=False)
    owner = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    starts_on = BoundedDateField(required=False)
    ends_on = BoundedDateField(required=False)


class MilestoneAddInput(Versioned, MilestoneInput):
    pass


class ReportInput(Versioned):
    text = serializers.CharField(max_length=4000)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text=gettext_lazy("Photos (JPEG, PNG, WebP) and PDF files."),
    )  # fmt: skip


class VerifyInput(Versioned):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReturnInput(Versioned):
    reason = serializers.CharField(max_length=1000)


class WithdrawInput(Versioned):
    reason = serializers.CharField(max_length=1000)


class ProjectQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    status = serializers.ChoiceField(choices=Project.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    overdue = serializers.ChoiceField(
        choices=[("1", "1"), ("0", "0"), ("true", "true"), ("false", "false")],
        required=False,
        help_text=gettext_lazy("1: only projects with an overdue milestone; 0: only those without."),
    )


class FiguresQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    level = serializers.ChoiceField(choices=[(level, Level(level).label) for level in figures.FIGURE_LEVELS])


# --- views ---------------------------------------------------------------------------------------


class ProjectView(ScopedMixin, APIView):
    def detail(self, pk, status=200):
        return Response(reading.detail_json(reading.detailed(pk, self.scope), self.scope), status=status)


@personal_data  # owners' names, progress reports
class ProjectListView(ProjectView):
    """GET, POST /api/v1/projects/"""

    @docs.project_list(ProjectQuery)
    def get(self, request):
        query = checked(ProjectQuery, request.query_params)
        if query.get("within"):
            self.scope.area_seen(query["within"], field="within")
        overdue = {"1": True, "true": True, "0": False, "false": False}.get(query.get("overdue"))
        projects = reading.listed(self.scope, query.get("within"), query.get("status"), overdue, query.get("kind"))[
            : reading.LIST_LIMIT
        ]
        return Response([reading.summary_json(p, self.scope) for p in projects])

    @docs.project_create(ProjectInput)
    def post(self, request):
        given = checked(ProjectInput, request.data)
        given["milestones"] = [services.MilestonePlan(**m) for m in given["milestones"]]
        project = services.register(request.user, services.ProjectPlan(**given))
        return self.detail(project.pk, status=201)


@personal_data
class ProjectDetailView(ProjectView):
    """GET, PATCH /api/v1/projects/<id>/"""

    @docs.project_read
    def get(self, request, pk):
        return self.detail(services.seen_project(self.scope, pk).pk)

    @docs.project_edit(ProjectEditInput)
    def patch(self, request, pk):
        given = checked(ProjectEditInput, request.data)
        version = given.pop("version")
        services.edit(request.user, pk, version, given)
        return self.detail(pk)


@personal_data
class MilestoneAddView(ProjectView):
    """POST /api/v1/projects/<id>/milestones/"""

    @docs.milestone_add(MilestoneAddInput)
    def post(self, request, pk):
        given = checked(MilestoneAddInput, request.data)
        version = given.pop("version")
        services.add_milestone(request.user, pk, version, services.MilestonePlan(**given))
        return self.detail(pk, status=201)


@personal_data
class ReportView(ProjectView):
    """POST /api/v1/projects/<id>/milestones/<milestone>/report/ (multipart, with `files`)"""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @docs.milestone_report(ReportInput)
    def post(self, request, pk, milestone):
        data = {key: request.data.get(key) for key in ("version", "text") if key in request.data}
        given = checked(ReportInput, data)  # the files are checked by projects.evidence
        files = request.FILES.getlist("files")
        services.report_progress(request.user, pk, milestone, given["version"], given["text"], files)
        return self.detail(pk, status=201)


def _decision_view(name, input_class, act, doc):
    @personal_data
    class DecisionView(ProjectView):
        @doc(input_class)
        def post(self, request, pk, milestone=None):
            given = checked(input_class, request.data)
            act(request.user, pk, milestone, given)
            return self.detail(pk)

    DecisionView.__name__ = DecisionView.__qualname__ = name
    return DecisionView


VerifyView = _decision_view(
    "VerifyView", VerifyInput, lambda u, p, m, g: services.verify(u, p, m, g["version"], g["note"]), docs.verify
)
ReturnView = _decision_view(
    "ReturnView", ReturnInput, lambda u, p, m, g: services.return_(u, p, m, g["version"], g["reason"]), docs.return_
)
CloseOffView = _decision_view(
    "CloseOffView", VerifyInput, lambda u, p, _m, g: services.close_off(u, p, g["version"], g["note"]), docs.close_off
)
WithdrawView = _decision_view(
    "WithdrawView", WithdrawInput, lambda u, p, _m, g: services.withdraw(u, p, g["version"], g["reason"]),
    docs.withdraw,
)  # fmt: skip


@personal_data
class EvidenceView(ScopedMixin, APIView):
    """GET /api/v1/projects/<id>/evidence/<file>/: to those who see the project, never publicly."""

    content_negotiation_class = AnyAccept

    @docs.evidence
    def get(self, request, pk, evidence):
        project = services.seen_project(self.scope, pk)
        kept = Evidence.objects.filter(pk=evidence, report__milestone__project=project).first()
        if kept is None:
            raise NotFound(_("This project has no such file."), field="evidence")
        response = FileResponse(kept.file.open("rb"), content_type=kept.content_type)
        response["Content-Disposition"] = f"inline; filename=evidence-{kept.pk}.{kept.file.name.rsplit('.', 1)[-1]}"
        return response


def read_figures_query(request, scope):
    """(prefixes, level) of a valid figures query over areas the caller sees (400, 404)."""
    query = checked(FiguresQuery, request.query_params)
    prefixes = scope.read_prefixes(query.get("within"), field="within")
    if not prefixes:
        raise NotFound(_("You have no areas."))
    level = query["level"]
    if any(len(p) > CODE_LENGTH[Level(level)] for p in prefixes):
        raise GovgridError(_("Choose the level of the area or one below it."), field="level")
    return prefixes, level


@personal_data  # figures for those who see the area
class FiguresView(ScopedMixin, APIView):
    """GET /api/v1/projects/figures/?within=&level="""

    @docs.figures(FiguresQuery)
    def get(self, request):
        prefixes, level = read_figures_query(request, self.scope)
        return Response({"level": level, "areas": figures.project_figures(prefixes, level)})


@personal_data
class FiguresCsvView(ScopedMixin, APIView):
    """GET /api/v1/projects/figures.csv?within=&level=: the same rows as CSV."""

    content_negotiation_class = AnyAccept

    @docs.figures_csv(FiguresQuery)
    def get(self, request):
        prefixes, level = read_figures_query(request, self.scope)
        out = io.StringIO()
        figures.write_csv(out, figures.project_figures(prefixes, level))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="projects-{level}.csv"'
        return response
