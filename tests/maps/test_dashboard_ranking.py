"""A ranking of many areas on the dashboard shows its first and last rows and says how many lie
between (a district of 50,000 grids ranks thousands of communities); its exports hold every row.
In a staffed drawn city (6 communities), with the limits made small."""

import re
import uuid
from datetime import datetime, time

import pytest
from django.utils import timezone

from incidents.intake import Report, report_incident
from maps import dashboard
from maps.dashboard import months_back

pytestmark = pytest.mark.django_db

COMMUNITY_ROWS = re.compile(r'<div class="block ranking-block[^"]*" id="ranking-community">(.*?)</table>', re.S)


@pytest.fixture
def ranked_city(staffed_city, clock):
    """A case in each community's first grid, received in the month the dashboard ranks (the last
    whole month): every community is ranked."""
    last_month = months_back(timezone.localdate(), 2)[0]
    clock.at = datetime.combine(last_month.replace(day=10), time(10), timezone.get_current_timezone())
    for community in staffed_city.communities:
        point = staffed_city.grids_of(community)[0].geom.point_on_surface
        report = Report(client_id=uuid.uuid4(), category="0301", description="楼道堆物", lon=point.x, lat=point.y)
        report_incident(staffed_city.users["admin"], report)
    return staffed_city


def community_ranking(client, **headers):
    page = client.get("/", **headers).content.decode()
    [table] = COMMUNITY_ROWS.findall(page)
    return table


def test_a_long_ranking_shows_its_ends_and_how_many_areas_lie_between(ranked_city, monkeypatch):
    city = ranked_city
    monkeypatch.setattr(dashboard, "RANKING_SHOWN", 4)
    monkeypatch.setattr(dashboard, "RANKING_ENDS", 2)
    table = community_ranking(city.client("leader"))
    shown = re.findall(r'<tr data-area="(\d+)"><td>(\d+)</td>', table)
    assert [rank for _code, rank in shown] == ["1", "2", "5", "6"]  # ranks as in the whole ranking
    assert {code for code, _rank in shown} < {c.code for c in city.communities}
    assert "…… 另有 2 个地区，见下方导出" in table
    english = community_ranking(city.client("leader"), HTTP_ACCEPT_LANGUAGE="en")
    assert "… 2 more areas, in the exports below" in english


def test_a_short_ranking_shows_every_area(ranked_city):
    city = ranked_city
    table = community_ranking(city.client("leader"))
    assert len(re.findall(r'<tr data-area="\d+">', table)) == len(city.communities) == 6
    assert "ranking-gap" not in table


def test_the_ends_of_a_ranking():
    rows = [{"code": str(n)} for n in range(60)]
    shown = dashboard.ranking_ends(rows)
    assert shown[:20] == rows[:20] and shown[21:] == rows[-20:] and shown[20] == {"gap": 20}
    assert dashboard.ranking_ends(rows[:50]) == rows[:50]
