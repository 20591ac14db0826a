"""Printable posters of the places' QR codes (码上办): one page per place, A4 or A5 at 300 dpi, in
Chinese, drawn with Pillow.

A poster carries a title, the place's name and code, its QR code (the resident page's absolute
address, {SITE_URL}/r/<token>/, error correction Q, drawn in whole device pixels per module so it
prints crisp), a line saying what to do, the token in small print under the code, and the grid's
public contact card (网格员公示牌): which of its fields are printed is POSTER_PUBLIC_FIELDS, as a
poster hangs in a stairwell and a grid worker's own phone is personal data.

A community's set is its own poster and then one per grid of the community, in code order. Files:
PDF (every page of the set, `pdf`), PNG (the one place's own poster, `png`), or a zip of one PNG per
page of the set (`zip`).

The text is drawn with Debian's Noto Sans CJK (package fonts-noto-cjk, which scripts/setup.sh
installs); without it a poster is refused with FontMissing rather than printed as empty boxes.
"""

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFont

from grids.models import Assignment, Level, PartyOrg, Role, ServiceStation

from .codes import code_for, codes_for

DPI = 300
SIZES = {"a4": (2480, 3508), "a5": (1748, 2480)}  # pixels at 300 dpi: 210 × 297 mm, 148 × 210 mm
FORMATS = ("pdf", "png", "zip")
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
FONT_INDEX = 2  # the collection's faces: JP, KR, SC, TC, HK; SC draws simplified Chinese's shapes
QR_ERROR = "q"  # a quarter of the code may be soiled or torn and it still reads
QUIET_ZONE = 4  # modules of white around the code, as the standard asks

TITLE = "码上办 · 扫码反映问题"
INSTRUCTION = "用手机扫描二维码，说明问题、拍照并标出位置即可，无需注册；提交后保存专属链接，随时查看办理进度。"
LEVEL_WORDS = {Level.GRID: "网格", Level.COMMUNITY: "社区"}
NO_LINE_START = "，。；：、！？）》」』"
CARD_TITLES = {Level.GRID: "网格员公示牌", Level.COMMUNITY: "社区联系方式"}

# The contact card's fields a poster may print (GOVGRID_POSTER_PUBLIC_FIELDS names some of them).
PUBLIC_FIELDS = ("worker_name", "worker_phone", "party_leader_name", "station_phone")

RED = (200, 16, 46)
INK = (20, 20, 20)
GREY = (110, 110, 110)
CARD = (253, 246, 236)


class FontMissing(ImproperlyConfigured):
    pass


def public_fields():
    """The contact card's fields that posters print, checked (ImproperlyConfigured on an unknown one)."""
    fields = tuple(settings.POSTER_PUBLIC_FIELDS)
    unknown = sorted(set(fields) - set(PUBLIC_FIELDS))
    if unknown:
        raise ImproperlyConfigured(f"GOVGRID_POSTER_PUBLIC_FIELDS: unknown field(s) {unknown}; known: {PUBLIC_FIELDS}")
    return fields


def resident_url(token):
    return f"{settings.SITE_URL.rstrip('/')}/r/{token}/"


def qr_of(url):
    """The QR code of an address: a full (not micro) code with error correction Q, never boosted, so
    the same address always gives the same symbol."""
    return segno.make(url, error=QR_ERROR, boost_error=False, micro=False)


# --- what a poster says ---------------------------------------------------------------------------
@dataclass
class Poster:
    name: str
    code: str
    level: str
    token: str
    url: str
    card_title: str
    card: list = field(default_factory=list)  # (label, value) lines of the public contact card
    file_key: str = ""  # what its file is named by, when not its place's code (a station's)


def contact_card(area, fields=None):
    """The public contact card of a grid or a community: (label, value) lines in a fixed order, only
    of the fields POSTER_PUBLIC_FIELDS names, leaving out the empty ones."""
    fields = public_fields() if fields is None else fields
    lines = []
    if area.level == Level.GRID:
        workers = [
            a.person
            for a in Assignment.objects.active()
            .filter(area=area, role=Role.GRID_WORKER)
            .select_related("person")
            .order_by("starts_on", "id")
        ]
        if "worker_name" in fields and workers:
            lines.append(("网格员", "、".join(p.name for p in workers)))
        if "worker_phone" in fields:
            phones = [f"{p.name} {p.phone}" if len(workers) > 1 else p.phone for p in workers if p.phone]
            if phones:
                lines.append(("网格员电话", "；".join(phones)))
    party = PartyOrg.objects.filter(area=area).select_related("leader").first()
    if "party_leader_name" in fields and party is not None and party.leader is not None:
        label = "网格党小组长" if party.kind == PartyOrg.Kind.GRID_GROUP else "社区党组织书记"
        lines.append((label, party.leader.name))
    station = serving_station(area)
    if "station_phone" in fields and station is not None and station.phone:
        lines.append((station.name, station.phone))
    return lines


def serving_station(area):
    """The service station residents of the area turn to: one in the area itself, else in its
    community, street or district (the nearest level up that has one); of several, the one nearest
    to the area's middle."""
    codes = [area.code[:length] for length in sorted({6, 9, 12, 15}) if length <= len(area.code)]
    stations = list(ServiceStation.objects.filter(area__code__in=codes).select_related("area"))
    if not stations:
        return None
    middle = area.geom.point_on_surface
    return max(stations, key=lambda s: (len(s.area.code), -s.location.distance(middle)))


def poster_of(area, code=None, fields=None):
    code = code or code_for(area)
    return Poster(
        name=area.name,
        code=area.code,
        level=LEVEL_WORDS.get(area.level, str(area.get_level_display())),
        token=code.token,
        url=resident_url(code.token),
        card_title=CARD_TITLES.get(area.level, "联系方式"),
        card=contact_card(area, fields),
    )


STATION_WORDS = {"centre": "党群服务中心", "station": "党群服务站"}


def poster_of_station(station, code=None):
    """A service station's poster: its code (for reports about the place it serves), its name, and
    its public card (its phone and opening hours, a station's details being public)."""
    code = code or code_for(station)
    card = [(label, value) for label, value in (("电话", station.phone), ("开放时间", station.opening_hours)) if value]
    return Poster(
        name=station.name,
        code=station.area.code,
        level=STATION_WORDS.get(station.kind, "服务站"),
        token=code.token,
        url=resident_url(code.token),
        card_title="服务站联系方式",
        card=card,
        file_key=f"{station.area.code}-station-{station.pk}",
    )


def poster_set(area):
    """The posters of an area: a community's own, then one per grid of it, then one per service
    station in it; a grid's own and its stations'."""
    places = [area]
    if area.level == Level.COMMUNITY:
        places += list(area.children.filter(level=Level.GRID).order_by("code"))
    codes = codes_for(places)
    fields = public_fields()
    stations = ServiceStation.objects.filter(area__code__startswith=area.code).select_related("area").order_by("name")
    return [poster_of(place, codes[place.pk], fields) for place in places] + [
        poster_of_station(station) for station in stations
    ]


# --- drawing ----------------------------------------------------------------------------------
def _font(weight, size):
    path = FONT_DIR / FONT_FILES[weight]
    missing = FontMissing(
        f"posters need the font {path}: install the Debian package fonts-noto-cjk (scripts/setup.sh does)"
    )
    if not path.is_file():  # checked first: Pillow would look for a file of that name elsewhere
        raise missing
    try:
        return ImageFont.truetype(str(path), size=size, index=FONT_INDEX)
    except OSError:
        raise missing from None


def check_fonts():
    """Raise FontMissing now if a poster could not be drawn."""
    for weight in FONT_FILES:
        _font(weight, 12)


@dataclass(frozen=True)
class Layout:
    """Where things go on a page of a given size, in pixels at 300 dpi."""

    width: int
    height: int
    margin: int
    band: int  # height of the title band
    qr_left: int  # top-left corner of the code's first module (inside its quiet zone)
    qr_top: int
    module: int  # side of one module, whole pixels


def layout(size, modules):
    """The page's layout for a code of `modules` modules a side (quiet zone not counted)."""
    width, height = SIZES[size]
    margin = round(width * 0.07)
    band = round(height * 0.11)
    module = int(width * 0.56) // (modules + 2 * QUIET_ZONE)
    side = module * modules
    qr_top = band + round(height * 0.17) + module * QUIET_ZONE
    return Layout(width, height, margin, band, (width - side) // 2, qr_top, module)


def _wrap(draw, text, font, width):
    """Lines of `text` no wider than `width`; Chinese breaks between any two characters, except
    before a closing punctuation mark, which stays at the end of its line."""
    lines, line = [], ""
    for char in text:
        if line and draw.textlength(line + char, font=font) > width and char not in NO_LINE_START:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    return [*lines, line] if line else lines


def _centred(draw, y, text, font, fill, width, max_width):
    for line in _wrap(draw, text, font, max_width):
        draw.text((width // 2, y), line, font=font, fill=fill, anchor="mt")
        y += round(font.size * 1.3)
    return y


def render(poster, size="a4"):
    """One poster as an RGB image at 300 dpi."""
    qr = qr_of(poster.url)
    modules = qr.symbol_size(border=0)[0]
    at = layout(size, modules)
    width, height, margin = at.width, at.height, at.margin
    text_width = width - 2 * margin
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)

    draw.rectangle([0, 0, width, at.band], fill=RED)
    draw.text((width // 2, at.band // 2), TITLE, font=_font("bold", round(width * 0.058)), fill="white", anchor="mm")

    y = at.band + round(height * 0.025)
    y = _centred(draw, y, poster.name, _font("bold", round(width * 0.052)), INK, width, text_width)
    _centred(
        draw, y + 8, f"{poster.level} {poster.code}", _font("regular", round(width * 0.026)), GREY, width, text_width
    )

    # The code: one pixel per module scaled by a whole factor with no smoothing, on its quiet zone.
    side = modules + 2 * QUIET_ZONE
    symbol = Image.new("1", (side, side), 1)
    for r, row in enumerate(qr.matrix):
        for c, dark in enumerate(row):
            if dark:
                symbol.putpixel((c + QUIET_ZONE, r + QUIET_ZONE), 0)
    symbol = symbol.resize((side * at.module, side * at.module), Image.Resampling.NEAREST)
    corner = (at.qr_left - QUIET_ZONE * at.module, at.qr_top - QUIET_ZONE * at.module)
    page.paste(symbol.convert("RGB"), corner)
    bottom = corner[1] + side * at.module
    draw.rectangle([corner[0] - 6, corner[1] - 6, corner[0] + side * at.module + 6, bottom + 6], outline=RED, width=6)

    small = _font("regular", round(width * 0.017))
    y = _centred(draw, bottom + 24, f"编号 {poster.token}  ·  {poster.url}", small, GREY, width, text_width)
    y = _centred(
        draw, y + round(height * 0.012), INSTRUCTION, _font("regular", round(width * 0.03)), INK, width, text_width
    )

    if poster.card:
        heading, body = _font("bold", round(width * 0.034)), _font("regular", round(width * 0.03))
        line_height = round(body.size * 1.45)
        top = y + round(height * 0.02)
        card_height = round(heading.size * 1.9) + line_height * len(poster.card) + round(body.size * 0.6)
        draw.rounded_rectangle(
            [margin, top, width - margin, top + card_height],
            radius=round(width * 0.015),
            fill=CARD,
            outline=RED,
            width=4,
        )
        draw.text((width // 2, top + round(heading.size * 0.5)), poster.card_title, font=heading, fill=RED, anchor="mt")
        y = top + round(heading.size * 1.9)
        for label, value in poster.card:
            line = f"{label}：{value}"
            while draw.textlength(line, font=body) > text_width - 2 * margin // 2 and len(line) > 8:
                line = line[:-2] + "…"
            draw.text((margin + margin // 2, y), line, font=body, fill=INK)
            y += line_height

    footer = _font("regular", round(width * 0.018))
    draw.text((width // 2, height - margin // 2), "网格化治理 · 有事扫一扫", font=footer, fill=GREY, anchor="md")
    return page


# --- files ------------------------------------------------------------------------------------
def pdf(posters, size="a4"):
    """Every poster as a page of one PDF (300 dpi, so the page is exactly A4 or A5)."""
    pages = [render(poster, size) for poster in posters]
    output = io.BytesIO()
    pages[0].save(
        output, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, quality=92, subsampling=0,
        title=f"{posters[0].name} 码上办二维码", creator="govgrid",
    )  # fmt: skip
    return output.getvalue()


def png(poster, size="a4"):
    output = io.BytesIO()
    render(poster, size).save(output, "PNG", dpi=(DPI, DPI), optimize=True)
    return output.getvalue()


def png_zip(posters, size="a4"):
    """One PNG per poster, named by the place's code, in a zip."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as archive:  # PNGs are compressed already
        for poster in posters:
            archive.writestr(f"{poster.file_key or poster.code}-{size}.png", png(poster, size))
    return output.getvalue()
