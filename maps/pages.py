"""What the map pages share: the area a page shows (?area=, else the user's whole scope), the menu of
streets and communities, and the coverage statuses' colours and words."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound
from govgrid.lib.moments import check_within_bounds
from grids.models import CODE_LENGTH, Level, level_for_code

from .layers import figure_parts

STATUS_COLOURS = {"full": "#1a9850", "partial": "#fdae61", "none": "#d73027"}


def status_labels():
    return {"full": _("full"), "partial": _("partial"), "none": _("none")}


def page_area(request, scope):
    """(prefixes, area or None, roots): the codes a page shows. `?area=<code>` narrows the page to
    an area in the user's scope (404 otherwise); without it, the user's whole scope."""
    roots = list(scope.roots())
    code = request.GET.get("area", "").strip()
    if not code:
        return scope.read_prefixes(), None, roots
    try:
        if level_for_code(code) is None:
            raise NotFound(_("No area has the code %(code)s.") % {"code": code})
        area = scope.area_seen(code)
    except NotFound as error:
        raise Http404(error.message) from None
    return [area.code], area, roots


def page_day(request, name):
    """(a day a page is asked for (`?as_of=2026-11-30`) or None, the error naming the parameter when
    it does not parse or lies outside govgrid's years, or "")."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None, ""
    try:
        day = parse_date(text)
        if day is not None:
            check_within_bounds(day)
    except (ValueError, ValidationError):
        day = None
    if day is None:
        return None, _("%(name)s: give a date such as 2026-01-31.") % {"name": name}
    return day, ""


MENU_COMMUNITIES = 300  # above this many communities in scope, the menu lists them street by street


def area_choices(scope, area=None):
    """Streets and communities in the user's scope, each street followed by its communities, for
    the filter menu of the map pages. A scope of more than MENU_COMMUNITIES communities (a large
    city has thousands) gets its streets and only the communities of the street in view."""
    areas = scope.areas().filter(level__in=[Level.STREET, Level.COMMUNITY])
    if areas.filter(level=Level.COMMUNITY).count() > MENU_COMMUNITIES:
        street = area.code[: CODE_LENGTH[Level.STREET]] if area is not None and area.level != Level.DISTRICT else None
        areas = areas.filter(Q(level=Level.STREET) | Q(code__startswith=street) if street else Q(level=Level.STREET))
    return list(areas.order_by("code").values_list("code", "name", "level"))


def map_page_context(fmap, heading, scope, area, roots):
    """What every map page's template takes: the map's parts, the area shown with the menu of areas,
    and the title, the page's heading with the area's name (or the names of the user's top areas)."""
    return figure_parts(fmap) | {
        "roots": roots,
        "area": area,
        "title": heading + " · " + (area.name if area else " ".join(r.name for r in roots)),
        "area_choices": area_choices(scope, area),
    }
