"""Every change of a project, one function each: each runs in one transaction, locks the row it
changes, checks who may make it (projects.rules) and the version the client read, and writes its
ProjectEvent. Views, pages, the admin and the demo call these; none changes a project itself."""

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Area
from grids.scopes import Forbidden, Scope

from . import evidence, rules, telling
from .models import Milestone, ProgressReport, Project, ProjectEvent, Verification

Action = ProjectEvent.Action
MAX_MILESTONES = 50


@dataclass
class MilestonePlan:
    title: str
    due_on: date
    evidence_required: str


@dataclass
class ProjectPlan:
    area: str
    kind: str
    title: str
    goal: str
    owner: int
    starts_on: date
    ends_on: date
    budget: Decimal | None = None
    milestones: list = field(default_factory=list)


EDITABLE = ("kind", "title", "goal", "owner", "budget", "starts_on", "ends_on")


# --- reading one project for a change --------------------------------------------------------------


def seen_project(scope, pk, lock=False):
    """The project `pk` when the scope sees it, else 404 (outside the scope it does not exist)."""
    projects = Project.objects.select_related("area", "owner")
    if lock:
        projects = projects.select_for_update(of=("self",))
    project = rules.projects_seen(scope, projects).filter(pk=pk).first()
    if project is None:
        raise NotFound(_("No project has the number %(pk)s.") % {"pk": pk}, field="project")
    return project


def _milestone(project, pk, lock=True):
    milestones = Milestone.objects.select_for_update() if lock else Milestone.objects
    milestone = milestones.filter(project=project, pk=pk).first()
    if milestone is None:
        raise NotFound(_("This project has no milestone %(pk)s.") % {"pk": pk}, field="milestone")
    milestone.project = project
    return milestone


def _check_version(thing, version):
    # Two people acting on one project or milestone at once: the row lock lines them up, and the
    # second finds the version it read gone by.
    if version != thing.version:
        raise Conflict(
            _("It changed since you read it (version %(now)d, not %(sent)d); read it again.")
            % {"now": thing.version, "sent": version},
            field="version",
            code="stale",
            version=thing.version,
        )


def _check_open(project):
    if project.status != Project.Status.OPEN:
        raise Conflict(
            _("The project is %(status)s; it changes no more.") % {"status": project.get_status_display()},
            field="project",
            code="not_open",
        )


def _event(project, action, user, now, milestone=None, note="", before=None, after=None):
    return ProjectEvent.objects.create(
        project=project, milestone=milestone, action=action, actor=user, at=now, note=note, before=before, after=after
    )


def _bumped(thing, *fields):
    thing.version += 1
    thing.save(update_fields=["version", *fields])
    return thing


# --- checks of input that the API's serializers and the pages share --------------------------------


def _area(scope, code):
    area = scope.area_seen(code, field="area")
    if area.level not in rules.PROJECT_LEVELS:
        raise GovgridError(_("A project belongs to a street or a community."), field="area")
    if not scope.changes(code):
        raise Forbidden(_("You may look at %(code)s but not register a project there.") % {"code": code}, field="area")
    return area


def _owner(scope, person_id):
    person = scope.people().filter(pk=person_id).first()
    if person is None:
        raise GovgridError(_("No person %(pk)s serves in your areas.") % {"pk": person_id}, field="owner")
    return person


def _check_dates(starts_on, ends_on):
    if ends_on < starts_on:
        raise GovgridError(_("The project must end on or after its start."), field="ends_on")


def _check_due(project, due_on, field_name="due_on"):
    if not project.starts_on <= due_on <= project.ends_on:
        raise GovgridError(
            _("A milestone is due between the project's start (%(start)s) and end (%(end)s).")
            % {"start": project.starts_on, "end": project.ends_on},
            field=field_name,
        )


def _text(value, name, longest, required=True):
    return checked_text(value, name, longest, _("This cannot be left empty.") if required else None)


# --- the changes -----------------------------------------------------------------------------------


def register(user, plan, now=None):
    """立项: a project in a street or community, with its milestones in order."""
    now = now or timezone.now()
    scope = Scope.for_user(user)
    _check_dates(plan.starts_on, plan.ends_on)
    if len(plan.milestones) > MAX_MILESTONES:
        raise GovgridError(_("At most %(n)d milestones.") % {"n": MAX_MILESTONES}, field="milestones")
    with transaction.atomic():
        project = Project.objects.create(
            area=_area(scope, plan.area),
            kind=plan.kind,
            title=_text(plan.title, "title", 200),
            goal=_text(plan.goal, "goal", 4000),
            owner=_owner(scope, plan.owner),
            budget=plan.budget,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            registered_by=user,
            registered_at=now,
        )
        _event(project, Action.REGISTERED, user, now, after=_facts(project))
        for index, milestone in enumerate(plan.milestones):
            _check_due(project, milestone.due_on, f"milestones[{index}].due_on")
            _new_milestone(project, milestone, user, now, position=index + 1)
        return project


def _facts(project):
    """What an edit may change, as the history keeps it before and after."""
    return {
        "kind": project.kind,
        "title": project.title,
        "goal": project.goal,
        "owner": project.owner_id,
        "budget": None if project.budget is None else f"{Decimal(project.budget):.2f}",
        "starts_on": project.starts_on.isoformat(),
        "ends_on": project.ends_on.isoformat(),
    }


def _new_milestone(project, plan, user, now, position):
    milestone = Milestone.objects.create(
        project=project,
        position=position,
        title=_text(plan.title, "title", 200),
        due_on=plan.due_on,
        evidence_required=_text(plan.evidence_required, "evidence_required", 1000),
    )
    added = asdict(plan) | {"due_on": plan.due_on.isoformat(), "position": position}
    _event(project, Action.MILESTONE_ADDED, user, now, milestone=milestone, after=added)
    return milestone


_MILESTONE_STEP = object()  # a step on a milestone: the milestone's version is checked, not the project's


def _open_project(scope, pk, check, version=_MILESTONE_STEP):
    """The project locked for a step `check` allows this scope (rules.check_changes or
    rules.check_reviews), at the `version` read when the step is the project's, while it is open.
    Inside the step's transaction."""
    project = seen_project(scope, pk, lock=True)
    check(scope, project)
    if version is not _MILESTONE_STEP:
        _check_version(project, version)
    _check_open(project)
    return project


def edit(user, pk, version, changes, now=None):
    """An edit of the project's facts, kept in its history with what they were before."""
    now = now or timezone.now()
    scope = Scope.for_user(user)
    with transaction.atomic():
        project = _open_project(scope, pk, rules.check_changes, version)
        before = _facts(project)
        for name, value in changes.items():
            if name not in EDITABLE:
                raise GovgridError(_("This cannot be edited."), field=name)
            if name == "owner":
                project.owner = _owner(scope, value)
            elif name in ("title", "goal"):
                setattr(project, name, _text(value, name, 200 if name == "title" else 4000))
            else:
                setattr(project, name, value)
        _check_dates(project.starts_on, project.ends_on)
        for milestone in project.milestones.all():  # every milestone stays inside the project's dates
            _check_due(project, milestone.due_on, "ends_on" if milestone.due_on > project.ends_on else "starts_on")
        after = _facts(project)
        if after == before:
            return project
        changed = [name for name in EDITABLE if before[name] != after[name]]
        _event(
            project, Action.EDITED, user, now,
            before={n: before[n] for n in changed}, after={n: after[n] for n in changed},
        )  # fmt: skip
        return _bumped(project, *changed)


def add_milestone(user, pk, version, plan, now=None):
    now = now or timezone.now()
    scope = Scope.for_user(user)
    with transaction.atomic():
        project = _open_project(scope, pk, rules.check_changes, version)
        _check_due(project, plan.due_on)
        count = project.milestones.count()
        if count >= MAX_MILESTONES:
            raise GovgridError(_("At most %(n)d milestones.") % {"n": MAX_MILESTONES}, field="milestones")
        last = project.milestones.aggregate(last=Max("position"))["last"] or 0
        milestone = _new_milestone(project, plan, user, now, position=last + 1)
        _bumped(project)
        return milestone


def report_progress(user, pk, milestone_pk, version, text, uploads=(), now=None):
    """The owner's side reports progress on a milestone not yet reported or returned, with its
    evidence: the files are checked before anything is written."""
    checked = evidence.checked_files(list(uploads))
    text = _text(text, "text", 4000)
    now = now or timezone.now()
    scope = Scope.for_user(user)
    kept = []
    try:
        with transaction.atomic():
            project = _open_project(scope, pk, rules.check_changes)
            milestone = _milestone(project, milestone_pk)
            _check_version(milestone, version)
            if milestone.status not in (Milestone.Status.PENDING, Milestone.Status.RETURNED):
                raise Conflict(
                    _("The milestone is %(status)s; it takes no report now.")
                    % {"status": milestone.get_status_display()},
                    field="milestone",
                    code="not_reportable",
                )
            report = ProgressReport.objects.create(milestone=milestone, text=text, reported_by=user, reported_at=now)
            kept.extend(evidence.keep(report, file) for file in checked)
            milestone.status = Milestone.Status.REPORTED
            _bumped(milestone, "status")
            _event(
                project, Action.REPORTED, user, now, milestone=milestone, note=text[:1000],
                after={"report": report.pk, "files": [e.name for e in kept]},
            )  # fmt: skip
            telling.tell(project, "reported", user, now, milestone)
    except BaseException:
        # The files are written beside the rows; when the rows are rolled back, so are they.
        for stored in kept:
            stored.file.storage.delete(stored.file.name)
        raise
    return report


def _reviewed_milestone(user, pk, milestone_pk, version):
    """The milestone awaiting review, locked, after every check a reviewer passes; with its report."""
    scope = Scope.for_user(user)
    project = _open_project(scope, pk, rules.check_reviews)
    milestone = _milestone(project, milestone_pk)
    _check_version(milestone, version)
    report = milestone.reports.order_by("-reported_at", "-id").first()
    if milestone.status != Milestone.Status.REPORTED or report is None:
        raise Conflict(
            _("The milestone is %(status)s: only reported progress is verified or returned.")
            % {"status": milestone.get_status_display()},
            field="milestone",
            code="not_reported",
        )
    rules.check_not_own_evidence(scope, [report.reported_by_id])
    return project, milestone, report


def verify(user, pk, milestone_pk, version, note="", now=None):
    """销号: a reviewer above verifies the reported evidence and closes the milestone off."""
    now = now or timezone.now()
    note = _text(note, "note", 1000, required=False)
    with transaction.atomic():
        project, milestone, report = _reviewed_milestone(user, pk, milestone_pk, version)
        Verification.objects.create(
            project=project, milestone=milestone, report=report, decision=Verification.Decision.VERIFIED,
            note=note, by=user, at=now,
        )  # fmt: skip
        milestone.status, milestone.closed_at = Milestone.Status.CLOSED_OFF, now
        _bumped(milestone, "status", "closed_at")
        _event(project, Action.VERIFIED, user, now, milestone=milestone, note=note, after={"report": report.pk})
        telling.tell(project, "verified", user, now, milestone)
        return milestone


def return_(user, pk, milestone_pk, version, reason, now=None):
    """The reviewer returns the evidence with a reason; the owner's side reports again."""
    now = now or timezone.now()
    reason = _text(reason, "reason", 1000)
    with transaction.atomic():
        project, milestone, report = _reviewed_milestone(user, pk, milestone_pk, version)
        Verification.objects.create(
            project=project, milestone=milestone, report=report, decision=Verification.Decision.RETURNED,
            note=reason, by=user, at=now,
        )  # fmt: skip
        milestone.status = Milestone.Status.RETURNED
        _bumped(milestone, "status")
        _event(project, Action.RETURNED, user, now, milestone=milestone, note=reason, after={"report": report.pk})
        telling.tell(project, "returned", user, now, milestone)
        return milestone


def close_off(user, pk, version, note="", now=None):
    """项目销号: only when every milestone is closed off, by a reviewer above who reported none of
    its evidence."""
    now = now or timezone.now()
    note = _text(note, "note", 1000, required=False)
    scope = Scope.for_user(user)
    with transaction.atomic():
        project = _open_project(scope, pk, rules.check_reviews, version)
        milestones = list(project.milestones.select_for_update())
        if not milestones or any(m.status != Milestone.Status.CLOSED_OFF for m in milestones):
            raise Conflict(
                _("Every milestone must be closed off before the project is."), field="project", code="milestones_open"
            )
        rules.check_not_own_evidence(
            scope, ProgressReport.objects.filter(milestone__project=project).values_list("reported_by_id", flat=True)
        )
        Verification.objects.create(
            project=project, decision=Verification.Decision.VERIFIED, note=note, by=user, at=now
        )
        project.status, project.closed_at = Project.Status.CLOSED_OFF, now
        _bumped(project, "status", "closed_at")
        _event(project, Action.CLOSED_OFF, user, now, note=note)
        telling.tell(project, "closed_off", user, now)
        return project


def withdraw(user, pk, version, reason, now=None):
    """A project is withdrawn (never deleted), with a reason, before anything was verified."""
    now = now or timezone.now()
    reason = _text(reason, "reason", 1000)
    scope = Scope.for_user(user)
    with transaction.atomic():
        project = _open_project(scope, pk, rules.check_changes, version)
        if project.verifications.filter(decision=Verification.Decision.VERIFIED).exists():
            raise Conflict(
                _("Something of it was verified already; it can no longer be withdrawn."),
                field="project",
                code="verified",
            )
        project.status, project.withdrawn_at, project.withdrawn_reason = Project.Status.WITHDRAWN, now, reason
        _bumped(project, "status", "withdrawn_at", "withdrawn_reason")
        _event(project, Action.WITHDRAWN, user, now, note=reason)
        return project


def registrable_areas(scope):
    """The streets and communities where this scope may register a project, for the pages."""
    areas = Area.objects.filter(level__in=rules.PROJECT_LEVELS).order_by("code")
    return [a for a in scope.filter(areas, "code", writing=True)[:300]]
