"""The project register's pages, for the staff of streets and communities and their reviewers, on a
desktop and on a phone: the register with its figures per area (/projects/), registering a project
(/projects/new/) and one project (/projects/<id>/) where progress is reported with files, reviewers
verify or return it and close the project off, and its history is read. Every change goes through
projects.services, whose refusals are shown on the page."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from govgrid.lib.errors import GovgridError
from govgrid.lib.parsers import form_int
from govgrid.lib.privacy import personal_data
from grids.models import CODE_LENGTH, Area, Assignment, Level, Person, Role
from grids.models.areas import under_codes
from grids.scopes import Scope

from . import figures, reading, services
from .models import Kind, Project

MILESTONE_ROWS = 4  # blank milestone rows on the new project's form; rows left blank are skipped
OWNER_ROLES = (Role.DISPATCHER, Role.LEADER, Role.PARTY_GROUP_LEADER, Role.GRID_WORKER)
STATUS_FILTERS = Project.Status.choices
# The form's fields by their labels, to name a refused one on the page.
FIELD_LABELS = {
    "area": gettext_lazy("area"),
    "kind": gettext_lazy("kind"),
    "title": gettext_lazy("name of the project"),
    "goal": gettext_lazy("goal"),
    "owner": gettext_lazy("owner"),
    "budget": gettext_lazy("budget (yuan)"),
    "starts_on": gettext_lazy("starts on"),
    "ends_on": gettext_lazy("ends on"),
    "evidence_required": gettext_lazy("evidence that closes it"),
    "text": gettext_lazy("Progress"),
    "reason": gettext_lazy("reason"),
    "due_on": gettext_lazy("due on"),
    "files": gettext_lazy("Evidence: photos and PDF files"),
}


def refusal(error):
    """A refusal as the page shows it: the refused field's label, then the reason."""
    field = error.field or ""
    label = FIELD_LABELS.get(field.split(".")[-1])  # a milestone's "milestones[1].due_on" by its "due_on"
    return f"{label}: {error.message}" if label else str(error.message)


def _scope(request):
    scope = Scope.for_user(request.user)
    if not scope.sees_anything and scope.person_id is None:
        raise Http404
    return scope


def _figures_level(prefixes):
    """Rows one level below the widest area asked for (a community's own row for a community)."""
    shortest = min(len(p) for p in prefixes)
    if shortest > CODE_LENGTH[Level.COMMUNITY]:
        return None
    return Level.STREET if shortest == CODE_LENGTH[Level.DISTRICT] else Level.COMMUNITY


@personal_data  # owners' names
@login_required
@require_http_methods(["GET"])
def register_page(request):
    """GET /projects/?within=&status=&kind=&overdue=1"""
    scope = _scope(request)
    areas = list(scope.filter(Area.objects.filter(level__in=("street", "community")), "code").order_by("code")[:300])
    within = request.GET.get("within", "")
    within = within if any(a.code == within for a in areas) else ""
    status = request.GET.get("status", "")
    status = status if status in Project.Status.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    overdue = request.GET.get("overdue") == "1"
    projects = reading.listed(scope, within or None, status or None, True if overdue else None, kind or None)
    prefixes = scope.read_prefixes(within or None)
    level = _figures_level(prefixes) if prefixes else None
    context = {
        "projects": [reading.summary_json(p, scope) for p in projects[:200]],
        "areas": areas,
        "within": within,
        "status": status,
        "kind": kind,
        "overdue": overdue,
        "statuses": STATUS_FILTERS,
        "kinds": Kind.choices,
        "figures": figures.project_figures(prefixes, level) if level else [],
        "figures_level": level,
        "figures_query": f"within={within}&level={level}" if within else f"level={level}",
        "may_register": bool(services.registrable_areas(scope)),
    }
    return render(request, "projects/register.html", context)


def _owners(scope, areas):
    """People who may own a project in these areas: their staff and Party group leaders, and you."""
    codes = [a.code for a in areas]
    serving = Assignment.objects.active().filter(under_codes(codes, "area__code"), role__in=OWNER_ROLES)
    people = Person.objects.filter(pk__in=serving.values("person_id")).order_by("name", "id")[:300]
    mine = Person.objects.filter(pk=scope.person_id)
    return list(mine) + [p for p in people if p.pk != scope.person_id]


def _day(value, name):
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise GovgridError(_("Give a date as YYYY-MM-DD."), field=name) from None


def _budget(value):
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    try:
        budget = Decimal(value)
    except InvalidOperation:
        raise GovgridError(_("Give the budget in yuan, e.g. 50000."), field="budget") from None
    if budget < 0 or budget >= Decimal("1e12") or budget != budget.quantize(Decimal("0.01")):
        raise GovgridError(_("Give the budget in yuan, e.g. 50000."), field="budget")
    return budget


def _plan_from(form):
    milestones = []
    for row in range(MILESTONE_ROWS):
        title = form.get(f"m{row}_title", "").strip()
        due = form.get(f"m{row}_due", "").strip()
        needed = form.get(f"m{row}_evidence", "").strip()
        if title or due or needed:
            milestones.append(services.MilestonePlan(title, _day(due, f"milestones[{row}].due_on"), needed))
    return services.ProjectPlan(
        area=form.get("area", ""),
        kind=form.get("kind") if form.get("kind") in Kind.values else Kind.PARTY_BUILDING,
        title=form.get("title", ""),
        goal=form.get("goal", ""),
        owner=form_int(form.get("owner")) or 0,
        starts_on=_day(form.get("starts_on"), "starts_on"),
        ends_on=_day(form.get("ends_on"), "ends_on"),
        budget=_budget(form.get("budget")),
        milestones=milestones,
    )


@personal_data
@login_required
@require_http_methods(["GET", "POST"])
def new_page(request):
    """GET, POST /projects/new/"""
    scope = _scope(request)
    areas = services.registrable_areas(scope)
    if not areas:
        raise Http404
    refused = None
    if request.method == "POST":
        try:
            project = services.register(request.user, _plan_from(request.POST))
        except GovgridError as error:
            refused = error
        else:
            messages.success(request, _("Project registered."))
            return redirect("project-page", pk=project.pk)
    context = {
        "areas": areas,
        "owners": _owners(scope, areas),
        "kinds": Kind.choices,
        "rows": range(MILESTONE_ROWS),
        "form": request.POST,
        "refused": refused and refusal(refused),
        "refused_field": refused and refused.field,
    }
    return render(request, "projects/new.html", context, status=400 if refused else 200)


def _edited(form):
    """The facts the edit form sends, checked as the new project's form checks them."""
    changes = {
        "title": form.get("title", ""),
        "goal": form.get("goal", ""),
        "starts_on": _day(form.get("starts_on"), "starts_on"),
        "ends_on": _day(form.get("ends_on"), "ends_on"),
        "budget": _budget(form.get("budget")),
        "owner": form_int(form.get("owner")) or 0,
    }
    if form.get("kind") in Kind.values:
        changes["kind"] = form["kind"]
    return changes


def _history(events):
    """The history as the page shows it: an edit's changes by their fields' labels, owners by name."""
    owners = {e["before"].get("owner") for e in events if e["before"]} | {
        e["after"].get("owner") for e in events if e["before"]
    }
    names = dict(Person.objects.filter(pk__in=[o for o in owners if o]).values_list("pk", "name"))
    kinds = dict(Kind.choices)
    for event in events:
        event["changes"] = [
            (
                FIELD_LABELS.get(name, name),
                _shown(name, value, names, kinds),
                _shown(name, event["after"][name], names, kinds),
            )
            for name, value in (event["before"] or {}).items()
        ]
    return events


def _shown(name, value, names, kinds):
    if value is None or value == "":
        return "—"
    return names.get(value, value) if name == "owner" else kinds.get(value, value) if name == "kind" else value


def _act(request, pk):
    """One change asked by a form of the project page, through its service."""
    form, user = request.POST, request.user
    action = form.get("action")
    version = form_int(form.get("version")) or 0
    milestone = form_int(form.get("milestone"))
    if action == "report":
        services.report_progress(user, pk, milestone, version, form.get("text"), request.FILES.getlist("files"))
        return _("Progress reported.")
    if action == "verify":
        services.verify(user, pk, milestone, version, form.get("note", ""))
        return _("Milestone verified and closed off.")
    if action == "return":
        services.return_(user, pk, milestone, version, form.get("reason"))
        return _("Milestone returned.")
    if action == "close_off":
        services.close_off(user, pk, version, form.get("note", ""))
        return _("Project closed off.")
    if action == "withdraw":
        services.withdraw(user, pk, version, form.get("reason"))
        return _("Project withdrawn.")
    if action == "edit":
        services.edit(user, pk, version, _edited(form))
        return _("Project edited.")
    if action == "milestone":
        due_on = _day(form.get("due_on"), "due_on")
        plan = services.MilestonePlan(form.get("title", ""), due_on, form.get("evidence", ""))
        services.add_milestone(user, pk, version, plan)
        return _("Milestone added.")
    raise GovgridError(_("Unknown action."), field="action")


@personal_data
@login_required
@require_http_methods(["GET", "POST"])
def project_page(request, pk):
    """GET, POST /projects/<id>/: a POST is one change (`action` and its fields)."""
    scope = _scope(request)
    try:
        project = services.seen_project(scope, pk)
    except GovgridError:
        raise Http404 from None
    if request.method == "POST":
        try:
            done = _act(request, project.pk)
        except GovgridError as refused:
            messages.error(request, refusal(refused))
        else:
            messages.success(request, done)
        return redirect("project-page", pk=project.pk)
    body = reading.detail_json(reading.detailed(project.pk, scope), scope)
    body["history"] = _history(body["history"])
    context = {"project": body, "kinds": Kind.choices}
    if body["may_change"] and body["status"] == Project.Status.OPEN:
        context["owners"] = _owners(scope, [project.area])
    return render(request, "projects/project.html", context)
