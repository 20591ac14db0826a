"""POST requests.json|xml: a GeoReport request becomes a report to govgrid's intake.

The request's fields are renamed to the intake's (service_code → category, long → lon, …) and go
through the intake's own validation (incidents.api.ReportSerializer) and its one creating function
(incidents.intake.report_incident), so a case made through Open311 obeys exactly the rules of one
made on a phone: the location must be in a grid the caller may change, a retry never makes a second
case. Refusals name the Open311 field (FIELD_NAMES).

Retrying: GeoReport v2 has no idempotency key, so govgrid takes one of its own, mapped to the
intake's client_id: the `client_id` field (or attribute[client_id]), a UUID as on the phone, and/or
an `Idempotency-Key` header, any text up to 255 characters (a UUID is used as it is; other text
becomes a UUID of its own per account). The same report sent again with the same key answers 200
with the first request; another report under a used key is refused (409). Without a key every POST
is a new case.
"""

import re
import uuid

from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from grids.models import Area, Level
from incidents.api import ReportSerializer
from incidents.intake import Report, report_incident
from incidents.models import Channel

# Intake field → the Open311 field a refusal names.
FIELD_NAMES = {
    "category": "service_code",
    "lon": "long",
    "lat": "lat",
    "location": "lat/long",
    "contact_name": "first_name/last_name",
    "contact_phone": "phone",
    "crs": "attribute[crs]",
    "accuracy_m": "attribute[accuracy_m]",
    "photos": "media",
}

# Keys made from non-UUID Idempotency-Key headers live in their own UUID namespace.
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0b7c1e-3d2a-5a8e-9c41-0b5e2f7d9a13")
_MAX_KEY_LENGTH = 255


def create_request(request, scope):
    """(incident, created, possible duplicates, notice) for a GeoReport POST."""
    params = request.data
    if not hasattr(params, "get"):
        raise GovgridError(_("Send the request as form fields or a JSON object."), field="service_code")
    data = {
        "client_id": _client_id(params, request.headers.get("Idempotency-Key"), request.user),
        "category": params.get("service_code"),
        "description": params.get("description"),
        "lat": params.get("lat"),
        "lon": params.get("long"),
        "crs": _attribute(params, "crs"),
        "accuracy_m": _attribute(params, "accuracy_m"),
        "contact_name": _contact_name(params.get("first_name"), params.get("last_name")),
        "contact_phone": params.get("phone"),
    }
    jurisdiction = params.get("jurisdiction_id")
    if jurisdiction and not is_district(jurisdiction):
        raise GovgridError(_("No jurisdiction has the id %(id)s.") % {"id": jurisdiction}, field="jurisdiction_id")
    placed_by_address = params.get("address_string") or params.get("address_id")
    if data["lat"] in (None, "") and data["lon"] in (None, "") and placed_by_address:
        raise GovgridError(
            _("govgrid places a request by lat and long; an address alone cannot be placed."), field="lat"
        )
    report = ReportSerializer(data={key: value for key, value in data.items() if value not in (None, "")})
    report.is_valid(raise_exception=True)
    photos = request.FILES.getlist("media") if hasattr(request, "FILES") else []
    incident, created, duplicates = report_incident(
        request.user, Report(**report.validated_data, channel=Channel.OPEN311), photos, scope=scope
    )
    notice = (
        _("media_url is not fetched: send the picture itself as the file field media.")
        if params.get("media_url")
        else None
    )
    return incident, created, duplicates, notice


def is_district(code):
    """Is this the code of a district (GeoReport's jurisdiction_id)?"""
    code = str(code)
    return bool(re.fullmatch(r"[0-9]{6}", code)) and Area.objects.filter(code=code, level=Level.DISTRICT).exists()


def _attribute(params, code):
    """attribute[code]=… as a form field, or {"attribute": {code: …}} in JSON."""
    nested = params.get("attribute")
    if isinstance(nested, dict) and code in nested:
        return nested[code]
    return params.get(f"attribute[{code}]")


def _client_id(params, header, user):
    sent = params.get("client_id") or _attribute(params, "client_id")
    from_header = None
    if header is not None:
        header = header.strip()
        if not header or len(header) > _MAX_KEY_LENGTH:
            raise GovgridError(
                _("The Idempotency-Key header must be 1 to %(n)d characters.") % {"n": _MAX_KEY_LENGTH},
                field="Idempotency-Key",
            )
        try:
            from_header = str(uuid.UUID(header))
        except ValueError:
            from_header = str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{user.pk}:{header}"))
    if sent and from_header and _as_uuid(sent) != from_header:
        raise GovgridError(_("client_id and the Idempotency-Key header name different keys."), field="client_id")
    return sent or from_header or str(uuid.uuid4())


def _as_uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _contact_name(first, last):
    """The resident's name as one text: family name first when it is written in Chinese."""
    first, last = (str(part).strip() if part is not None else "" for part in (first, last))
    if not (first or last):
        return None
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)
