"""Projects as the API and the pages read them: the list in a scope with its filters, and one project
as JSON with its milestones (overdue flagged), reports, evidence, verifications and history."""

from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone

from . import rules
from .models import Milestone, ProgressReport, Project, ProjectEvent, Verification

LIST_LIMIT = 500


def listed(scope, within=None, status=None, overdue=None, kind=None, today=None):
    """The projects a scope reads, newest first, filtered, each with `overdue_milestones`."""
    today = today or timezone.localdate()
    projects = rules.projects_seen(scope, Project.objects.select_related("area", "owner"))
    if within:
        projects = projects.filter(area__code__startswith=within)
    if status:
        projects = projects.filter(status=status)
    if kind:
        projects = projects.filter(kind=kind)
    projects = projects.annotate(
        overdue_milestones=Count("milestones", filter=rules.overdue_q(today, milestone="milestones__", project="")),
        milestone_count=Count("milestones"),
    )
    if overdue is not None:
        projects = projects.filter(overdue_milestones__gt=0) if overdue else projects.filter(overdue_milestones=0)
    return projects.order_by("-registered_at", "-id")


def summary_json(project, scope):
    return {
        "id": project.pk,
        "area": project.area.code,
        "area_name": project.area.name,
        "kind": project.kind,
        "kind_label": str(project.get_kind_display()),
        "title": project.title,
        "goal": project.goal,
        "owner": {"id": project.owner_id, "name": project.owner.name},
        "budget": None if project.budget is None else f"{project.budget:.2f}",
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "status": project.status,
        "status_label": str(project.get_status_display()),
        "registered_at": project.registered_at,
        "closed_at": project.closed_at,
        "withdrawn_reason": project.withdrawn_reason,
        "version": project.version,
        "milestones_count": getattr(project, "milestone_count", None),
        "overdue_milestones": getattr(project, "overdue_milestones", None),
        "may_change": rules.changes(scope, project),
        "may_review": rules.reviews(scope, project),
    }


def detailed(project_pk, scope):
    """The project (already found in scope) with everything it holds."""
    project = (
        Project.objects.select_related("area", "owner")
        .prefetch_related(
            Prefetch(
                "milestones",
                Milestone.objects.order_by("position").prefetch_related(
                    Prefetch(
                        "reports",
                        ProgressReport.objects.select_related("reported_by__person").prefetch_related("evidence"),
                    ),
                    Prefetch("verifications", Verification.objects.select_related("by__person")),
                ),
            ),
            Prefetch("events", ProjectEvent.objects.select_related("actor__person", "milestone")),
            Prefetch("verifications", Verification.objects.filter(milestone=None).select_related("by__person")),
        )
        .get(pk=project_pk)
    )
    return project


def detail_json(project, scope, today=None):
    today = today or timezone.localdate()
    milestones = [milestone_json(m, project, scope, today) for m in project.milestones.all()]
    body = summary_json(project, scope)
    body["milestones_count"] = len(milestones)
    body["overdue_milestones"] = sum(1 for m in milestones if m["overdue"])
    body["milestones"] = milestones
    body["verifications"] = [verification_json(v) for v in project.verifications.all()]
    body["history"] = [event_json(e) for e in project.events.all()]
    body["may_close_off"] = (
        body["may_review"]
        and project.status == Project.Status.OPEN
        and bool(milestones)
        and all(m["status"] == Milestone.Status.CLOSED_OFF for m in milestones)
    )
    return body


def milestone_json(milestone, project, scope, today):
    milestone.project = project
    return {
        "id": milestone.pk,
        "position": milestone.position,
        "title": milestone.title,
        "due_on": milestone.due_on,
        "evidence_required": milestone.evidence_required,
        "status": milestone.status,
        "status_label": str(milestone.get_status_display()),
        "overdue": rules.is_overdue(milestone, today),
        "closed_at": milestone.closed_at,
        "version": milestone.version,
        "reports": [report_json(r, project) for r in milestone.reports.all()],
        "verifications": [verification_json(v) for v in milestone.verifications.all()],
    }


def _who(user):
    """A user by their person's name (users are selected with their person), else their username."""
    if user is None:
        return None
    person = getattr(user, "person", None)  # a user with no person has none (an AttributeError)
    return person.name if person is not None else user.username


def report_json(report, project):
    return {
        "id": report.pk,
        "text": report.text,
        "reported_by": report.reported_by_id,
        "reported_by_name": _who(report.reported_by),
        "reported_at": report.reported_at,
        "files": [
            {
                "id": e.pk,
                "kind": e.kind,
                "name": e.name,
                "size": e.size,
                "content_type": e.content_type,
                "url": reverse("project-evidence", args=[project.pk, e.pk]),
            }
            for e in report.evidence.all()
        ],
    }


def verification_json(verification):
    return {
        "id": verification.pk,
        "decision": verification.decision,
        "decision_label": str(verification.get_decision_display()),
        "note": verification.note,
        "by": verification.by_id,
        "by_name": _who(verification.by),
        "at": verification.at,
        "report": verification.report_id,
    }


def event_json(event):
    return {
        "id": event.pk,
        "action": event.action,
        "action_label": str(event.get_action_display()),
        "milestone": event.milestone_id,
        "milestone_title": event.milestone.title if event.milestone_id else None,
        "actor": event.actor_id,
        "actor_name": _who(event.actor),
        "at": event.at,
        "note": event.note,
        "before": event.before,
        "after": event.after,
    }
