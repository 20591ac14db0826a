"""What each side reads of a resident's report: the resident, by the private link, sees its status,
the decision and the public part of its case's timeline (what happened and when, by role or
department, never a staff member's name nor anyone's contact); the staff who decide see the report
with the resident's contact where their scope of personal data holds the grid (else masked)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.errors import Conflict, GovgridError
from grids.personal import PHONE_MASK
from grids.scopes import Scope
from incidents.words import case_status_label, event_label, level_label
from incidents.workflow import Resident, act, allowed_actions

from .acceptance import suggested_category
from .adding import may_add
from .models import ResidentReport
from .topics import TOPICS

NOT_FOUND = gettext_lazy("No report has this link: check that it was copied whole.")
# What a resident reads of their case's timeline: the steps that say where it is and what became of
# it. The inner work (signing, contests, extensions, supervision, call-backs, decisions on ratings)
# is the staff's, and an action added later stays hidden until it is named here.
PUBLIC_ACTIONS = {
    "accept", "start", "escalate", "return", "reject", "dispatch", "resolve", "verify", "close", "reopen",
    "rework", "park", "unpark", "rate", "add_note",
}  # fmt: skip


def topic_label(key):
    return str(TOPICS[key].label) if key in TOPICS else key


def public_timeline(report):
    """[{at, what}] of the report and, once it is a case, of the case's events."""
    entries = [{"at": report.received_at, "what": _("Your report was received")}]
    entries += [{"at": n.at, "what": _("You added: %(text)s") % {"text": n.text}} for n in report.notes.all()]
    if report.status == ResidentReport.Status.DECLINED:
        entries.append({"at": report.decided_at, "what": _("Declined: %(reason)s") % {"reason": report.decline_reason}})
    if report.incident_id is None:
        return entries
    if report.status == ResidentReport.Status.MERGED:
        entries.append({"at": report.decided_at, "what": _("Joined a case already open about the same problem")})
    else:
        entries.append({"at": report.decided_at, "what": _("Accepted as a case")})
    events = report.incident.events.filter(at__gte=report.decided_at).select_related("department").order_by("at", "id")
    for event in events:
        if event.action not in PUBLIC_ACTIONS:
            continue
        if event.action == "add_note":
            mine = event.reason == report.tracking_code
            what = _("You added: %(text)s") % {"text": event.note} if mine else _("Another resident added to it")
            entries.append({"at": event.at, "what": what})
            continue
        where = event.department.name if event.department_id else level_label(event.to_level)
        entries.append({"at": event.at, "what": f"{event_label(event.action)} · {where}"})
    return entries


def may_rate(report):
    """Whether the resident may rate their case now: resolved and not yet rated for this resolution."""
    case = report.incident
    if case is None or report.status == ResidentReport.Status.MERGED:
        return False  # a merged report follows a case someone else reported, whose rating is theirs
    return "rate" in allowed_actions(Resident(case.pk), Scope(), case)


def rate(report, rating, comment=""):
    """The resident's rating of their case (1–5 and a comment), through the workflow's `rate`."""
    if not may_rate(report):
        raise Conflict(
            _("There is nothing to rate now: a case is rated once each time it is resolved."),
            field="rating",
            code="nothing_to_rate",
        )
    if rating not in range(1, 6):
        raise GovgridError(_("Give a rating from 1 to 5."), field="rating")
    case = report.incident
    return act(Resident(case.pk), case.code, "rate", case.version, rating=rating, comment=comment)


def public_view(report):
    case = report.incident
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_label": str(ResidentReport.Status(report.status).label),
        "topic": topic_label(report.topic),
        "description": report.description,
        "received_at": report.received_at,
        "decline_reason": report.decline_reason,
        "case_status": case.status if case else None,
        "case_status_label": str(case_status_label(case)) if case else None,
        "timeline": public_timeline(report),
        "may_rate": may_rate(report),
        "may_add": may_add(report),
        "rating": case.rating if case and report.status == ResidentReport.Status.ACCEPTED else None,
    }


def staff_row(report, scope):
    shown = scope.shows_personal_data_in(report.grid.code)
    return {
        "tracking_code": report.tracking_code,
        "version": report.version,
        "grid": report.grid.code,
        "grid_name": report.grid.name,
        "kind": report.kind,
        "topic": topic_label(report.topic),
        "suggested_category": suggested_category(report),
        "description": report.description,
        "lon": report.location.x,
        "lat": report.location.y,
        "contact_name": report.contact_name if shown else ("*" if report.contact_name else ""),
        "contact_phone": report.contact_phone if shown else PHONE_MASK.mask(report.contact_phone),
        "received_at": report.received_at,
        "due_at": report.due_at,
        "overdue": report.due_at < timezone.now(),
        "photos": [
            f"/api/v1/resident-reports/{report.tracking_code}/photos/{photo.pk}/" for photo in report.photos.all()
        ],
        "notes": [note.text for note in report.notes.all()],
    }
