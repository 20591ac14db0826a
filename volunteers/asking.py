"""A resident asks for a service (点单) from the resident page of a QR code, with no account, and
follows it by its private link: what became of it, who took it, and, once done, confirms and rates it.

As residents' reports do (residents.intake): the page makes a `client_id` and the private link's
secret; a retry with the same content gets the same request back, other content under that id is
refused; the QR code must be live; a new request counts against the device's and the address's
throttles after retries are recognised and before anything is written. The request belongs to the
community of the code's place, in the grid of the place shown (or the code's grid).
"""

import hashlib
import json

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.errors import NotFound, Unprocessable
from grids.models import Level
from residents import links, senders
from residents.intake import live_code, place_area

from . import kinds, services
from .models import RequestStep, ServiceRequest

Status = ServiceRequest.Status


def community_and_grid(code):
    """The community a QR code's place is in, and its grid when the place is one (a station's grid
    is found from its point)."""
    from grids.models import Area

    area = place_area(code)
    if code.station_id:
        grid = Area.objects.grid_at(code.station.location)
        return (grid.parent, grid) if grid else (area if area.level == Level.COMMUNITY else None, None)
    if area.level == Level.GRID:
        return area.parent, area
    if area.level == Level.COMMUNITY:
        return area, None
    return None, None


def _fingerprint(client_id, fields, lon, lat, crs):
    content = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    content |= {"client_id": str(client_id), "lon": lon, "lat": lat, "crs": crs}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def receive(token, client_id, fields, lon=None, lat=None, crs="wgs84", secret="", device="", address=None):
    """(request, created, secret or "" for a retry that carried none). Refuses with a GovgridError
    naming the field before writing anything."""
    fingerprint = _fingerprint(client_id, fields, lon, lat, crs)
    existing = ServiceRequest.objects.filter(client_id=client_id).first()
    if existing is not None:
        return links.same_sending(existing, fingerprint, secret), False, secret
    sent_secret, secret = secret, secret or links.new_secret()
    code = live_code(token)
    community, grid = community_and_grid(code)
    if community is None:
        raise Unprocessable(_("This QR code is not of a community or a grid."), field="place")
    checked = services.checked_fields(community, phone_required=True, **fields)
    point = None
    if lon is not None and lat is not None:
        x, y = coords.to_wgs84(lon, lat, crs)
        point = Point(float(x), float(y), srid=4326)
        grid = services.grid_of(community, point)
    senders.count(
        "service", device, address, settings.RESIDENT_REPORTS_PER_DEVICE, settings.RESIDENT_REPORTS_PER_ADDRESS,
        settings.RESIDENT_WINDOW_MINUTES,
    )  # fmt: skip
    request = ServiceRequest(
        client_id=client_id, secret_digest=links.digest_of(secret), fingerprint=fingerprint, device=device,
        channel=ServiceRequest.Channel.RESIDENT, community=community, grid=grid, location=point, **checked,
    )  # fmt: skip
    request, created = services.write_new(request)
    if not created:  # the same request arrived twice at once: the other copy won
        return links.same_sending(request, fingerprint, sent_secret), False, sent_secret
    return request, True, secret


def by_secret(secret):
    request = (
        ServiceRequest.objects.select_related("community", "grid", "volunteer")
        .filter(secret_digest=links.digest_of(secret or ""))
        .first()
    )
    if request is None:
        raise NotFound(_("No request has this link. Check that the whole address was copied."), field="secret")
    return request


def masked_name(name):
    """A volunteer's name as a resident reads it: the surname and a mark for the rest (李**)."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


# What a resident reads of each step: who acted is staff's business, not theirs.
PUBLIC_STEPS = (
    RequestStep.Action.ASK,
    RequestStep.Action.ACCEPT,
    RequestStep.Action.REFUSE,
    RequestStep.Action.MAKE_CASE,
    RequestStep.Action.CLAIM,
    RequestStep.Action.ASSIGN,
    RequestStep.Action.GIVE_BACK,
    RequestStep.Action.DONE,
    RequestStep.Action.CONFIRM,
    RequestStep.Action.CANCEL,
)


def public_view(request):
    """What the resident sees of their request on their private link: no staff, no other resident."""
    steps = request.steps.filter(action__in=PUBLIC_STEPS).order_by("at", "id")
    return {
        "tracking_code": request.tracking_code,
        "status": request.status,
        "status_label": request.get_status_display(),
        "kind": request.kind,
        "kind_label": str(kinds.KINDS.get(request.kind, request.kind)),
        "for_whom": request.for_whom,
        "description": request.description,
        "place": request.place,
        "wanted_from": request.wanted_from,
        "wanted_until": request.wanted_until,
        "community": request.community.name,
        "asked_at": request.asked_at,
        "reason": request.reason if request.status in (Status.REFUSED, Status.CANCELLED) else "",
        "case": request.incident.code if request.incident_id else None,
        "volunteer": masked_name(request.volunteer.name) if request.volunteer_id else None,
        "done_at": request.done_at,
        "done_note": request.done_note,
        "rating": request.rating,
        "may_rate": request.status == Status.DONE,
        "may_cancel": request.status in (Status.ASKED, Status.OFFERED),
        "steps": [{"action": step.action, "label": step.get_action_display(), "at": step.at} for step in steps],
    }
