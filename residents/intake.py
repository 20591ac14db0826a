"""A resident's report arriving from the resident page (/r/<token>/), with no account.

It follows the worker's phone's rules: the phone makes a `client_id`, the first arrival creates the
report, a retry with the same content gets it back (with the same private link), one with other
content under that id is refused. What is new is who may send: anyone holding a live QR code, so
every arrival is throttled per device and per address (residents.throttle) after retries are
recognised, and every check is made before anything is written.

The private link is residents.links' (its secret made on the phone, only its digest stored); the
tracking code is short, random and read out on a call-back, and opens nothing by itself.
"""

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.errors import Conflict, GovgridError, NotFound, Unprocessable
from govgrid.lib.worktime import deadline
from grids.generations import current_successor
from grids.models import CODE_LENGTH, Area, Level
from incidents.photos import check_photo

from . import senders, throttle
from .links import digest_of, new_secret, same_sending
from .models import PlaceCode, ReportPhoto, ResidentReport
from .telling import tell_arrival
from .topics import TOPICS

TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O or U to misread
DISTRICT = CODE_LENGTH[Level.DISTRICT]


class Gone(GovgridError):
    status = 410
    code = "code_retired"


@dataclass
class Submission:
    """A resident's report as the page sends it, its fields checked by the API's serializer."""

    client_id: object
    topic: str
    description: str
    kind: str = ResidentReport.Kind.PROBLEM
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    located_by: str = "code"  # gps, map, or code: the place of the QR code
    contact_name: str = ""
    contact_phone: str = ""
    secret: str = ""  # the private link's, made on the phone (residents.links); one is made if empty

    def fingerprint(self):
        content = asdict(self) | {"client_id": str(self.client_id)}
        del content["secret"]  # kept only as its digest, checked on a retry
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def new_tracking_code():
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def live_code(token):
    """The QR code with this token; a retired one answers 410 saying so, an unknown one 404. The code
    of a grid a re-division retired stands for the current grid that took most of its ground."""
    code = PlaceCode.objects.select_related("area", "station__area").filter(token=token).first()
    if code is None:
        raise NotFound(_("No QR code has this address."), field="place")
    if not code.live:
        raise Gone(
            _("This QR code was replaced: please scan the code on the new poster."),
            field="place",
        )
    if code.area_id and code.area.valid_to is not None:
        code.area = current_successor(code.area)  # read only: the code stays the old grid's
    return code


def place_area(code):
    """The area a QR code stands for (a station's own area)."""
    return code.area if code.area_id else code.station.area


def receive(token, submission, photos=(), device="", address=None, language="zh-hans"):
    """(report, created, secret or "" for a retry that carried none). Raises a GovgridError (4xx)
    naming the field before writing anything."""
    fingerprint = submission.fingerprint()
    existing = ResidentReport.objects.filter(client_id=submission.client_id).first()
    if existing is not None:
        return same_sending(existing, fingerprint, submission.secret), False, submission.secret
    secret = submission.secret or new_secret()
    code = live_code(token)
    if submission.topic not in TOPICS or submission.topic not in settings.RESIDENT_TOPICS:
        raise GovgridError(_("Choose what the report is about from the list."), field="topic")
    senders.count(
        "report", device, address, settings.RESIDENT_REPORTS_PER_DEVICE, settings.RESIDENT_REPORTS_PER_ADDRESS,
        settings.RESIDENT_WINDOW_MINUTES,
    )  # fmt: skip
    point, located_by = _place(code, submission)
    grid = Area.objects.grid_at(point)
    district = place_area(code).code[:DISTRICT]
    if grid is None or not grid.code.startswith(district):
        raise Unprocessable(
            _("The place chosen is outside the grids of this city: move the pin onto the map's grids."),
            field="location",
            code="outside_grids",
        )
    waiting = ResidentReport.objects.filter(grid=grid, status=ResidentReport.Status.PENDING).count()
    if waiting >= settings.RESIDENT_PENDING_PER_GRID:
        raise throttle.Throttled(
            _("Many reports from this place are waiting to be accepted: please try again later."),
            field="place",
            retry_after=3600,
        )
    checked = _checked_photos(photos)
    now = timezone.now()
    report = ResidentReport(
        secret_digest=digest_of(secret),
        client_id=submission.client_id,
        fingerprint=fingerprint,
        place_code=code,
        grid=grid,
        kind=submission.kind,
        topic=submission.topic,
        description=submission.description,
        location=point,
        located_by=located_by,
        input_lon=submission.lon,
        input_lat=submission.lat,
        input_crs=submission.crs if submission.lon is not None else "",
        contact_name=submission.contact_name,
        contact_phone=submission.contact_phone,
        language=language,
        received_at=now,
        due_at=deadline(now, settings.RESIDENT_ACCEPT_HOURS),
        device=device,
    )
    return _write(report, checked, fingerprint, secret, submission.secret)


def _write(report, checked, fingerprint, secret, sent_secret):
    saved = []
    for _attempt in range(5):  # a tracking code already taken (one in 10^12): draw another
        report.tracking_code = new_tracking_code()
        try:
            with transaction.atomic():
                report.save()
                for data, content_type, digest in checked:
                    saved.append(_store(report, data, content_type, digest))
                tell_arrival(report)
            return report, True, secret
        except IntegrityError:
            for photo in saved:
                photo.file.delete(save=False)
            saved.clear()
            report.pk = None
            existing = ResidentReport.objects.filter(client_id=report.client_id).first()
            if existing is not None:  # the same report arrived twice at once: the other copy won
                return same_sending(existing, fingerprint, sent_secret), False, sent_secret
    raise Conflict(_("The report could not be numbered; send it again."), code="try_again")


def _store(report, data, content_type, digest):
    from django.core.files.base import ContentFile

    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[content_type]
    photo = ReportPhoto(report=report, sha256=digest, content_type=content_type, size=len(data))
    photo.file.save(f"{report.tracking_code}-{digest[:12]}.{extension}", ContentFile(data), save=False)
    photo.save()
    return photo


def _place(code, submission):
    """(WGS84 point, how it was located): the phone's position or a tap, converted once; else the
    place of the code (a grid's or a station's; a community's code needs a place chosen)."""
    if submission.lon is not None and submission.lat is not None:
        lon, lat = coords.to_wgs84(submission.lon, submission.lat, submission.crs)
        how = submission.located_by if submission.located_by in ("gps", "map") else "map"
        return Point(float(lon), float(lat), srid=4326), how
    point = code_point(code)
    if point is None:
        raise GovgridError(_("Show where it is: use the phone's location or tap the map."), field="location")
    return point, "code"


def code_point(code):
    """Where a report by this code is placed when the phone gives no place: a station's own point, a
    grid's point on its surface; None for a community's (its residents show where)."""
    if code.station_id:
        return code.station.location
    if code.area.level == Level.GRID:
        return code.area.geom.point_on_surface
    return None


def _checked_photos(photos):
    if len(photos) > settings.PHOTO_MAX_COUNT:
        raise GovgridError(
            _("At most %(n)d photos per report.") % {"n": settings.PHOTO_MAX_COUNT}, field="photos", code="too_many"
        )
    return list({digest: (data, kind, digest) for data, kind, digest in map(check_photo, photos)}.values())
