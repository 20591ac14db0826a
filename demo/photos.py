"""The pictures of the demo's cases verified on site: the "before" the reporter took with the report
and the "after" the grid worker took at the verification, a few metres from the case. They are
drawn, not photographed: a street with the problem or without it, and the caption a field camera
burns in (before or after, the time, the case). So a verified demo case shows them side by side on
its page, as a real one does. The pictures carry no metadata, like every stored photo."""

import hashlib
import io
import math
from pathlib import Path

import numpy as np
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from govgrid.lib.coords import METRES_PER_DEGREE, metres_per_degree_of_longitude
from incidents.models import IncidentPhoto

SIZE = (480, 360)
ROAD_TOP = 230
CJK_FONTS = (  # Debian's fonts-noto-cjk; without it the caption is written in Latin letters
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)
WORDS = {True: ("整改前", "before"), False: ("整改后", "after")}
_font = None


def _caption_font():
    """(font, whether it writes Chinese)."""
    global _font
    if _font is None:
        found = next((path for path in CJK_FONTS if Path(path).exists()), None)
        _font = (ImageFont.truetype(found, 18), True) if found else (ImageFont.load_default(), False)
    return _font


def draw(code, at, before, rng):
    """A JPEG of the case's street (the same street before and after: drawn from the case's code):
    before, the problem there; after, gone; with its caption."""
    picture = Image.new("RGB", SIZE, (150, 190, 225))
    pen = ImageDraw.Draw(picture)
    street = np.random.default_rng(int(hashlib.sha256(code.encode()).hexdigest()[:12], 16))
    x = 0
    while x < SIZE[0]:  # the buildings along the street
        width, height = int(street.integers(60, 130)), int(street.integers(90, 200))
        grey = int(street.integers(150, 215))
        pen.rectangle([x, ROAD_TOP - height, x + width - 6, ROAD_TOP], fill=(grey, grey - 8, grey - 20))
        for wy in range(ROAD_TOP - height + 12, ROAD_TOP - 20, 24):
            for wx in range(x + 8, x + width - 20, 18):
                pen.rectangle([wx, wy, wx + 8, wy + 12], fill=(90, 110, 130))
        x += width
    pen.rectangle([0, ROAD_TOP, SIZE[0], SIZE[1]], fill=(105, 105, 100))
    pen.line([0, ROAD_TOP + 4, SIZE[0], ROAD_TOP + 4], fill=(230, 230, 220), width=3)
    if before:  # the problem: a heap in the middle of the picture
        cx, cy = SIZE[0] // 2 + int(rng.integers(-60, 60)), ROAD_TOP + 55
        for _ in range(14):
            r = int(rng.integers(8, 22))
            dx, dy = rng.normal(0, 22), rng.normal(0, 9)
            shade = [(120, 85, 45), (60, 110, 60), (170, 160, 140), (40, 40, 45)][int(rng.integers(4))]
            pen.ellipse([cx + dx - r, cy + dy - r * 0.6, cx + dx + r, cy + dy + r * 0.6], fill=shade)
        pen.ellipse([cx - 75, cy - 45, cx + 75, cy + 45], outline=(220, 30, 30), width=4)
    font, chinese = _caption_font()
    local = timezone.localtime(at)
    text = f"{WORDS[before][0 if chinese else 1]}  {local:%Y-%m-%d %H:%M}  {code}"
    pen.rectangle([0, SIZE[1] - 30, SIZE[0], SIZE[1]], fill=(0, 0, 0))
    pen.text((8, SIZE[1] - 26), text, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=70)
    return out.getvalue()


def _near(point, rng, metres):
    """A point about `metres` from `point`, in a random direction (WGS84)."""
    angle = rng.uniform(0, 2 * math.pi)
    dy = metres * math.cos(angle) / METRES_PER_DEGREE
    dx = metres * math.sin(angle) / metres_per_degree_of_longitude(point.y)
    return Point(point.x + dx, point.y + dy, srid=4326)


def site_photos(incidents, events_of, rng):
    """The before and after photos of the cases verified on site (saved, in bulk): `incidents` saved,
    `events_of` their events (incidents.events.Event) in order. Returns how many were written."""
    photos = []
    for incident, history in zip(incidents, events_of, strict=True):
        verified = [event for event in history if event.action == "verify"]
        if not verified:
            continue
        report, verify = history[0], verified[-1]
        for before, event, where in (
            (True, report, incident.location),
            (False, verify, _near(incident.location, rng, float(rng.uniform(3, 40)))),
        ):
            data = draw(incident.code, event.at, before, rng)
            digest = hashlib.sha256(data).hexdigest()
            name = default_storage.save(
                f"incidents/{timezone.localtime(event.at):%Y/%m}/{incident.code}-{digest[:12]}.jpg", ContentFile(data)
            )
            kind = IncidentPhoto.Kind.BEFORE if before else IncidentPhoto.Kind.AFTER
            photos.append(
                IncidentPhoto(
                    incident_id=incident.id, kind=kind, location=where, uploaded_by_id=event.actor_id,
                    sha256=digest, content_type="image/jpeg", size=len(data), file=name, uploaded_at=event.at,
                )
            )  # fmt: skip
    IncidentPhoto.objects.bulk_create(photos, batch_size=2000)
    return len(photos)
