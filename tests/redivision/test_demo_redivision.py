"""The demo city re-divided into a second generation, as load_demo does it: a community's two fullest
grids split, two neighbours merged, a market made a dedicated grid; the topology clean, the work
moved with events, and a point looked up as of last month and today in the old and the new grid."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from demo.redivision import build_redivision
from grids.models import Area, Assignment, Generation, GridKind, HouseholdLink
from grids.validation import validate_area
from incidents.intake import Report, report_incident
from incidents.models import IncidentEvent

pytestmark = pytest.mark.django_db

DISTRICT = "411381"


def test_the_demo_city_is_re_divided_and_last_month_still_finds_the_old_grids():
    fullest = max(
        Area.objects.filter(level="grid", kind="basic", code__startswith=DISTRICT),
        key=lambda g: (g.households or 0, g.code),
    )
    point = fullest.geom.point_on_surface
    case = report_incident(
        get_user_model().objects.get(username="admin"),
        Report(client_id=uuid.uuid4(), category="0301", description="井盖缺失", lon=point.x, lat=point.y),
    )[0]
    links_before = sum(HouseholdLink.objects.active().filter(grid__code__startswith=DISTRICT).values_list(
        "households", flat=True))  # fmt: skip

    plan = build_redivision(DISTRICT)

    assert plan.problems == []
    assert len(plan.retired) == 6 and len(plan.added) == 8  # 2 split in 4, 2 merged in 1, 2 cut by a market in 3
    for code in {code[:12] for code in plan.added}:
        assert validate_area(code) == []
    market = Area.objects.get(code__in=plan.added, kind=GridKind.MARKET)
    assert market.name.endswith("农贸市场专属网格")
    # the work moved: no one serves a retired grid any more, the households linked are all still linked
    assert not Assignment.objects.active().filter(area__code__in=plan.retired).exists()
    assert sum(HouseholdLink.objects.active().filter(grid__code__startswith=DISTRICT).values_list(
        "households", flat=True)) == links_before  # fmt: skip
    counts = plan.as_dict()["counts"]
    assert counts["assignment"] > 0 and counts["household_link"] > 0 and counts["case"] >= 1
    case.refresh_from_db()
    assert case.grid.code in plan.added
    assert IncidentEvent.objects.filter(incident=case, action="regrid").count() == 1
    # last month and today
    last_month = timezone.localdate() - timedelta(days=30)
    assert Area.every.as_of(last_month).grids().filter(geom__covers=point).get() == fullest
    assert Area.objects.grid_at(point) == case.grid
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    lookup = f"/api/v1/areas/lookup/?lon={point.x}&lat={point.y}"
    assert admin.get(lookup + f"&as_of={last_month}").json()["grid"]["code"] == fullest.code
    assert admin.get(lookup).json()["grid"]["code"] == case.grid.code
    assert Generation.objects.get(district__code=DISTRICT, status="active").number == 2
