"""govgrid's categories and cases in GeoReport v2's words.

A service is a category item (0301 暴露垃圾、积存垃圾), grouped by its class. A service request is a
case: its service_request_id is the case code, its status is open while the case waits or is being
handled and closed once it is resolved, closed or rejected, and status_notes say which of those and
at which level. Its requested_datetime is when govgrid received it. Times are ISO 8601 with the
offset of govgrid's time zone.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib import coords
from grids.models import Level
from grids.personal import CASE_CONTACT
from incidents.models import OPEN_STATUSES, Status
from incidents.words import arrived_by

from .public import WITHHELD_FIELDS

# The service attributes a client may send as attribute[<code>] (GET services/<code>.json lists them).
CRS_NAMES = {
    "wgs84": gettext_lazy("WGS84 (GPS)"),
    "cgcs2000": gettext_lazy("CGCS2000 (Tianditu)"),
    "gcj02": gettext_lazy("GCJ-02 (AMap, Tencent, WeChat)"),
    "bd09": gettext_lazy("BD-09 (Baidu)"),
}

NOTES = {
    Status.REPORTED: gettext_lazy("Reported; waiting to be accepted at the %(level)s level."),
    Status.ACCEPTED: gettext_lazy("Accepted at the %(level)s level."),
    Status.IN_PROGRESS: gettext_lazy("Being handled at the %(level)s level."),
    Status.RESOLVED: gettext_lazy("Resolved at the %(level)s level; waiting to be verified."),
    Status.CLOSED: gettext_lazy("Verified and closed at the %(level)s level."),
    Status.REJECTED: gettext_lazy("Rejected at the %(level)s level."),
    Status.DISPATCHED: gettext_lazy("Sent to %(department)s; waiting for it to sign for it."),
    Status.VERIFIED: gettext_lazy("Verified on site; waiting to be closed at the %(level)s level."),
    Status.PARKED: gettext_lazy("Parked: it cannot be solved now and will be reviewed."),
}
# While a department holds a case, the notes name it.
WITH_DEPARTMENT = {
    Status.IN_PROGRESS: gettext_lazy("Being handled by %(department)s."),
    Status.RESOLVED: gettext_lazy("Resolved by %(department)s; waiting to be verified on site."),
}
# A case escalated or returned waits again as `reported`, named by how it arrived (incidents/words.py).
ARRIVED_NOTES = {
    "escalate": gettext_lazy("Escalated; waiting to be accepted at the %(level)s level."),
    "return": gettext_lazy("Returned; waiting to be accepted at the %(level)s level."),
}


def w3c(moment):
    """2026-11-22T09:30:00+08:00: the spec's date format, in govgrid's time zone."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# Open until the case is resolved or rejected: a parked case is still open (it is not solved).
OPEN311_OPEN = (*OPEN_STATUSES, Status.PARKED)


def open_or_closed(status):
    return "open" if status in OPEN311_OPEN else "closed"


def service_json(item):
    """One category item as a GeoReport service; `item.parent` is its class."""
    hours = item.deadline_grid_hours
    if item.calendar_time:
        rule = _("Handled in the grid within %(hours)d hours.") % {"hours": hours}
    else:
        rule = _("Handled in the grid within %(hours)d working hours.") % {"hours": hours}
    return {
        "service_code": item.code,
        "service_name": item.name,
        "description": _("%(group)s: %(name)s. %(rule)s")
        % {"group": item.parent.name, "name": item.name, "rule": rule},
        "metadata": True,
        "type": "realtime",
        "keywords": f"{item.parent.name}, {item.name}",
        "group": item.parent.name,
    }


def service_definition(item):
    """The attributes every service accepts: govgrid's extensions to the request."""
    return {
        "service_code": item.code,
        "attributes": [
            {
                "variable": True,
                "code": "client_id",
                "datatype": "string",
                "required": False,
                "datatype_description": _(
                    "A UUID the client makes once per report. Sending the same report again with it "
                    "returns the first request instead of a new one."
                ),
                "order": 1,
                "description": _("Idempotency key"),
            },
            {
                "variable": True,
                "code": "crs",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("The coordinate system of lat and long; WGS84 when not given."),
                "order": 2,
                "description": _("Coordinate system"),
                "values": [{"key": key, "name": str(CRS_NAMES[key])} for key in coords.SUPPORTED],
            },
            {
                "variable": True,
                "code": "accuracy_m",
                "datatype": "number",
                "required": False,
                "datatype_description": _("How far off the position may be, in metres."),
                "order": 3,
                "description": _("Position accuracy (m)"),
            },
        ],
    }


def status_notes(incident, name_original=True):
    """Which state, at which level; a duplicate names its original unless `name_original` is off
    (the original is not shown to the caller)."""
    level = Level(incident.level).label
    if incident.status == Status.REJECTED and incident.duplicate_of_id and name_original:
        return _("Rejected as a duplicate of %(code)s.") % {"code": incident.duplicate_of.code}
    if incident.status == Status.REPORTED and (arrival := arrived_by(incident)) in ARRIVED_NOTES:
        return ARRIVED_NOTES[arrival] % {"level": level}
    words = {"level": level, "department": incident.department.name if incident.department_id else ""}
    if incident.department_id and incident.status in WITH_DEPARTMENT:
        return WITH_DEPARTMENT[incident.status] % words
    return NOTES[Status(incident.status)] % words


def request_json(incident, scope, photo_url, public=False):
    """One case as a GeoReport service request. The resident's contact details come only where the
    caller's role may see personal data, and to its reporter (grids.personal.CASE_CONTACT; contact_name,
    contact_phone: govgrid extensions). A `public` answer (a caller without a key, from
    open311.public.public_incidents) withholds every field that may carry personal data."""
    chain = incident.grid.chain()  # grid, community, street, district
    by_level = {area.level: area for area in chain}
    responsible = by_level.get(incident.level, incident.grid)
    photos = [] if public else list(incident.photos.all())
    body = {
        "service_request_id": incident.code,
        "status": open_or_closed(incident.status),
        "status_notes": status_notes(incident, name_original=not (public and incident.original_withheld)),
        "service_name": incident.category.name,
        "service_code": incident.category.code,
        "description": incident.description,
        "agency_responsible": responsible.name,
        "service_notice": None,
        # When govgrid received it: the time start_date and end_date filter on, and one the phone's
        # clock cannot move (reported_at is the phone's word).
        "requested_datetime": w3c(incident.received_at),
        "updated_datetime": w3c(getattr(incident, "updated_at", None) or incident.received_at),
        "expected_datetime": w3c(incident.due_at) if incident.status in OPEN_STATUSES else None,
        "address": " ".join(area.name for area in reversed(chain)),
        "address_id": incident.grid.code,
        "zipcode": None,
        "lat": round(incident.location.y, 7),
        "long": round(incident.location.x, 7),
        "media_url": photo_url(incident, photos[0]) if photos else None,
    }
    if public:
        body.update(dict.fromkeys(WITHHELD_FIELDS))
    elif CASE_CONTACT.shows(scope, incident):
        body["contact_name"] = incident.contact_name
        body["contact_phone"] = incident.contact_phone
    return body
