"""Service requests as their readers see them (the API and the pages): the fields, the resident's
contact only where services.shows_contact allows it, and the actions this reader may take now."""

from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound
from grids.models import Person
from grids.personal import PHONE_MASK
from grids.scopes import Scope

from . import kinds, services
from .models import ServiceRequest

Status = ServiceRequest.Status

# What the community's staff may do at each status, and what a volunteer may (services holds the rules;
# this only offers the buttons, and services refuses anything else).
STAFF_ACTIONS = {
    Status.ASKED: ("accept", "refuse", "make-case", "cancel"),
    Status.OFFERED: ("assign", "cancel"),
    Status.CLAIMED: ("cancel",),
    Status.DONE: ("confirm",),
}


def requests_for(user, status="", community="", mine=""):
    """The requests a user reads, newest first: `mine` is "offered" (offered to them now), "tasks"
    (theirs to do or done) or "asked" (asked by them); else every one in their scope."""
    queryset = ServiceRequest.objects.select_related("community", "grid", "volunteer").prefetch_related("photos")
    person = Person.objects.filter(user=user).first()
    if mine == "offered":
        queryset = queryset.filter(
            offers__person=person, offers__closed_at__isnull=True, status=Status.OFFERED
        ) if person else queryset.none()  # fmt: skip
    elif mine == "tasks":
        queryset = queryset.filter(volunteer=person) if person else queryset.none()
    elif mine == "asked":
        queryset = queryset.filter(asked_by=user)
    else:
        queryset = services.visible_to(user, queryset)
    if status:
        queryset = queryset.filter(status=status)
    if community:
        queryset = queryset.filter(community__code__startswith=community)
    return queryset.order_by("-asked_at", "-id").distinct()


def seen(user, code):
    request = services.visible_to(user).select_related("community", "grid", "volunteer").filter(
        tracking_code=code
    ).first()  # fmt: skip
    if request is None:
        raise NotFound(_("No service request %(code)s in your areas.") % {"code": code}, field="request")
    return request


def actions_for(user, request, scope=None, person=None):
    scope = scope or Scope.for_user(user)
    actions = list(STAFF_ACTIONS.get(request.status, ())) if scope.changes(request.community.code) else []
    person = person if person is not None else Person.objects.filter(user=user).first()
    if person is not None:
        if request.status == Status.OFFERED and request.offers.filter(person=person, closed_at__isnull=True).exists():
            actions.append("claim")
        if request.volunteer_id == person.pk and request.status == Status.CLAIMED:
            actions += ["done", "give-back"]
    return actions


def row(user, request, scope=None, person=None):
    scope = scope or Scope.for_user(user)
    shown = services.shows_contact(user, request)
    point = request.location
    return {
        "tracking_code": request.tracking_code,
        "version": request.version,
        "status": request.status,
        "status_label": request.get_status_display(),
        "kind": request.kind,
        "kind_label": str(kinds.KINDS.get(request.kind, request.kind)),
        "for_whom": request.for_whom,
        "for_whom_label": str(kinds.FOR_WHOM.get(request.for_whom, request.for_whom)),
        "description": request.description,
        "place": request.place,
        "lon": point.x if point else None,
        "lat": point.y if point else None,
        "wanted_from": request.wanted_from,
        "wanted_until": request.wanted_until,
        "community": request.community.code,
        "community_name": request.community.name,
        "grid": request.grid.code if request.grid_id else None,
        "grid_name": request.grid.name if request.grid_id else None,
        "channel": request.channel,
        "channel_label": request.get_channel_display(),
        "asked_at": request.asked_at,
        "tier": request.tier,
        "tier_label": request.get_tier_display() if request.tier else "",
        "volunteer": {"id": request.volunteer_id, "name": request.volunteer.name} if request.volunteer_id else None,
        "claimed_at": request.claimed_at,
        "done_at": request.done_at,
        "minutes": request.minutes,
        "done_note": request.done_note,
        "confirmed_at": request.confirmed_at,
        "rating": request.rating,
        "rating_note": request.rating_note,
        "reason": request.reason,
        "case": request.incident.code if request.incident_id else None,
        "contact": {
            "name": request.contact_name if shown else None,
            "phone": request.contact_phone if shown else PHONE_MASK.mask(request.contact_phone),
            "shown": shown,
        },
        "photos": [
            f"/api/v1/service-requests/{request.tracking_code}/photos/{photo.pk}/" for photo in request.photos.all()
        ],
        "actions": actions_for(user, request, scope, person),
    }


def detail(user, request):
    data = row(user, request)
    steps = request.steps.select_related("actor", "person").order_by("at", "id")
    data["steps"] = [
        {
            "action": step.action,
            "label": step.get_action_display(),
            "at": step.at,
            "by": _("the resident") if step.by_resident else (step.person.name if step.person_id else _by(step)),
            "note": step.note,
            "offered_to": step.offered_to,
        }
        for step in steps
    ]
    return data


def _by(step):
    if step.actor_id is None:
        return _("automatic")
    person = getattr(step.actor, "person", None)
    return person.name if person else step.actor.get_username()
