"""What the API and the pages show of consultation items, to a given scope. A proposer's name and
phone, the names of a meeting's attendees and of a resident whose evaluation staff recorded are
personal data: shown to those whose scope of personal data holds the item's community
(`Scope.shows_personal_data_in`); otherwise the phone is masked (grids.personal.PHONE_MASK) and the
names are left out."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound
from grids.personal import PHONE_MASK

from .models import Evaluation, FollowUp, Item, Meeting, StageStep
from .stages import PARTICIPANT_KINDS, STAGE_KINDS


def items_in(scope, community="", status=""):
    """The items the scope sees, newest first, optionally of one community (or area) and status."""
    items = scope.filter(Item.objects.select_related("community"), "community__code")
    if community:
        items = items.filter(community__code__startswith=community)
    if status:
        items = items.filter(status=status)
    return items.order_by("-proposed_at", "-id")


def item_seen(scope, pk):
    item = (
        Item.objects.select_related("community__parent")
        .prefetch_related(
            Prefetch("steps", StageStep.objects.select_related("actor")),
            Prefetch("meetings", Meeting.objects.all()),
            Prefetch("follow_ups", FollowUp.objects.select_related("incident")),
            Prefetch("evaluations", Evaluation.objects.all()),
        )
        .filter(pk=pk)
        .first()
    )
    if item is None or not scope.sees(item.community.code):
        raise NotFound(_("No consultation item %(id)s in your areas.") % {"id": pk}, field="item")
    return item


def _who(user):
    return (user.first_name or user.username) if user else _("resident")


def proposer(item, scope):
    shown = scope.shows_personal_data_in(item.community.code)
    return {
        "name": item.proposer_name if shown else None,
        "phone": item.proposer_phone if shown else PHONE_MASK.mask(item.proposer_phone),
        "shown": shown,
    }


def row(item, scope):
    return {
        "id": item.pk,
        "version": item.version,
        "community": item.community.code,
        "community_name": item.community.name,
        "title": item.title,
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "stage": item.stage,
        "stage_name": item.stage_label(),
        "stage_kind": item.kind,
        "proposed_by_resident": item.proposed_by_resident,
        "proposed_at": item.proposed_at,
        "proposer": proposer(item, scope),
    }


def stages(item):
    solved = item.status == Item.Status.SOLVED
    return [
        {
            "index": i,
            "name": stage["name"],
            "kind": stage["kind"],
            "kind_label": str(STAGE_KINDS[stage["kind"]]),
            "state": "done"
            if i < item.stage or (solved and i == item.stage)
            else "current"
            if i == item.stage
            else "later",
        }
        for i, stage in enumerate(item.stages)
    ]


def detail(item, scope):
    personal = scope.shows_personal_data_in(item.community.code)
    return row(item, scope) | {
        "description": item.description,
        "participants": [{"kind": kind, "label": str(PARTICIPANT_KINDS.get(kind, kind))} for kind in item.participants],
        "stages": stages(item),
        "decision": item.decision,
        "decided_at": item.decided_at,
        "solved_at": item.solved_at,
        "dropped_reason": item.dropped_reason,
        "steps": [
            {
                "action": step.action,
                "action_label": str(step.get_action_display()),
                "from_stage": step.from_stage,
                "to_stage": step.to_stage,
                "to_name": item.stage_label(step.to_stage) if step.action == "advance" else "",
                "note": step.note,
                "by": _who(step.actor),
                "at": step.at,
            }
            for step in item.steps.all()
        ],
        "meetings": [
            {
                "id": meeting.pk,
                "stage": meeting.stage,
                "held_at": meeting.held_at,
                "place": meeting.place,
                "minutes": meeting.minutes,
                "attendance": [
                    {"kind": kind, "label": str(PARTICIPANT_KINDS.get(kind, kind)), "count": count}
                    for kind, count in meeting.attendance.items()
                ],
                "attended": meeting.attended,
                "attendees": meeting.attendees if personal else None,
            }
            for meeting in item.meetings.all()
        ],
        "follow_ups": [
            {
                "incident": link.incident.code,
                "status": link.incident.status,
                "status_label": str(link.incident.get_status_display()),
                "created": link.created,
                "at": link.at,
            }
            for link in item.follow_ups.all()
        ],
        "evaluations": [
            {
                "rating": evaluation.rating,
                "comment": evaluation.comment,
                "by": evaluation.by,
                "resident_name": evaluation.resident_name if personal else None,
                "at": evaluation.at,
            }
            for evaluation in item.evaluations.all()
        ],
        "may_change": scope.changes(item.community.code) and not item.closed,
    }
