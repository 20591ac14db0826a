"""The public page of a community (/public/<code>/), when GOVGRID_PUBLIC_COMMUNITY_PAGES is on: what
a resident may know without asking anyone. This month's cases received and solved in the
community's grids, the residents' reports and how they were accepted, what the community decided
in consultation (when that app is there), and every grid's public contact card (the poster's
fields). Counts and public cards only: no case, no person beyond the card's public fields."""

from django.apps import apps
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_page

from grids.models import Area, Level
from incidents.figures import figures

from .figures import resident_figures
from .posters import contact_card


def month_start(now):
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@cache_page(300)  # the same for everyone: counts and public cards only
def community_page(request, code):
    """GET /public/<community code>/"""
    if not settings.PUBLIC_COMMUNITY_PAGES:
        raise Http404
    community = Area.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None:
        raise Http404
    now = timezone.now()
    since = month_start(now)
    cases = next(iter(figures(code, Level.COMMUNITY, since, now)), None)
    reports = next(iter(resident_figures(code, Level.COMMUNITY, since, now)), None)
    grids = Area.objects.filter(parent=community, level=Level.GRID).order_by("code")
    context = {
        "community": community,
        "since": since,
        "received": cases["received"] if cases else 0,
        "solved": cases["closed"] if cases else 0,
        "reports": reports,
        "cards": [(grid, contact_card(grid)) for grid in grids],
        "community_card": contact_card(community),
        "report_token": next(iter(community.place_codes.filter(retired_at=None).values_list("token", flat=True)), None),
        "consultations": _consultations(code, since, now),
    }
    return render(request, "residents/public.html", context)


def _consultations(code, since, now):
    """The community's consultation items decided this month, when the consultations app is there."""
    if not apps.is_installed("consultations"):
        return None
    from consultations.public import decided_items  # noqa: PLC0415 - an app that may not be installed

    return decided_items(code, since, now)
