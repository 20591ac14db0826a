"""Who reads and who changes the generations of the grids, once for the API, the pages, the admin
map and the wizard: administrators change them; administrators and the leaders of a district's
areas read them."""

from django.utils.translation import gettext as _

from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import Forbidden

DISTRICT_DIGITS = CODE_LENGTH[Level.DISTRICT]


def reads(scope, district_code):
    """Whether this reader sees the generations of the district."""
    return scope.everything or any(code[:DISTRICT_DIGITS] == district_code for code in scope.leads)


def districts_read(scope):
    """The districts whose generations this reader sees."""
    districts = Area.objects.filter(level=Level.DISTRICT).order_by("code")
    if scope.everything:
        return list(districts)
    return list(districts.filter(code__in={code[:DISTRICT_DIGITS] for code in scope.leads}))


def only_administrators(scope):
    """A change of a generation: 403 for anyone but an administrator."""
    if not scope.everything:
        raise Forbidden(_("Only administrators change the generations of the grids."))
