"""The work units' page (/volunteers/work-units/): the units a user reports on (a contact their
own), each with this quarter's totals over the members the user reads, and the quarterly reports to
download as PDF or CSV."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from govgrid.lib.privacy import personal_data
from grids.scopes import Scope

from . import members
from .reports import Quarter

UNITS_SHOWN = 200
QUARTERS_OFFERED = 8  # this quarter and the seven before it


@personal_data
@login_required
@require_GET
def work_units_page(request):
    scope = Scope.for_user(request.user)
    quarter = Quarter.of(timezone.localdate())
    quarters = [quarter]
    while len(quarters) < QUARTERS_OFFERED:
        quarters.append(quarters[-1].previous())
    units = list(members.work_units_seen(scope).order_by("district__code", "name")[:UNITS_SHOWN])
    figures = members.unit_totals(scope, units, quarter.since, quarter.until)
    empty = {"members": 0, "hours": 0, "points": 0, "services": 0, "rated_services": 0, "activities": 0}
    rows = [{"unit": unit, "totals": figures.get(unit.pk, empty)} for unit in units]
    return render(
        request,
        "volunteers/work_units.html",
        {"rows": rows, "quarter": quarter, "quarters": quarters},
    )
