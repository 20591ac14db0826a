"""Consultations in figures: the API, the CSV export and the dashboard's card read one statement and
agree; an item counts for its community, its street and the district."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.figures import dashboard_summary
from consultations.models import Item
from grids.models import Area

from .conftest import act, propose
from .test_consultation_items import walk_to

pytestmark = pytest.mark.django_db


def solved_item(city, rating):
    item = walk_to(city, propose(city), "decision")
    item = act(city, item, "decide", decision="同意实施")
    item = act(city, item, "advance")
    item = act(city, item, "follow_up", category="0301")
    item = act(city, item, "advance", note="已实施")
    return act(city, item, "evaluate", rating=rating)


@pytest.fixture
def items(city, resident):
    solved_item(city, 5)
    solved_item(city, 2)
    act(city, propose(city), "drop", reason="不属于社区事务")
    resident.propose(city.code_of_grid)
    return city


def period(city, level, within=None):
    now = timezone.now()
    return {
        "within": within or city.district.code,
        "level": level,
        "since": (now - timedelta(days=1)).isoformat(),
        "until": (now + timedelta(days=1)).isoformat(),
    }


EXPECTED = {
    "raised": 4,
    "raised_by_residents": 1,
    "decided": 2,
    "solved": 2,
    "dropped": 1,
    "under_way": 1,
    "evaluations": 2,
    "satisfied": 1,
    "solved_share": 0.5,
    "satisfied_share": 0.5,
}


def test_the_api_the_csv_export_and_the_dashboard_agree(items):
    city = items
    for level, code in (("community", city.community.code), ("street", city.community.code[:9])):
        rows = city.client("analyst").get("/api/v1/figures/consultations/", period(city, level)).json()
        assert [row["area_code"] for row in rows] == [code]
        assert {key: rows[0][key] for key in EXPECTED} == EXPECTED
        answer = city.client("analyst").get("/api/v1/export/consultations.csv", period(city, level))
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
        parsed = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
        assert len(parsed) == 1 and parsed[0]["area_code"] == code
        assert {key: float(parsed[0][key]) for key in EXPECTED} == EXPECTED
        now = timezone.now()
        assert dashboard_summary(code, now - timedelta(days=1), now + timedelta(days=1)) == EXPECTED
    assert dashboard_summary(city.district.code, now - timedelta(days=1), now + timedelta(days=1)) == EXPECTED


def test_the_period_is_when_items_were_raised(items):
    city = items
    Item.objects.filter(proposed_by_resident=True).update(proposed_at=timezone.now() - timedelta(days=10))
    now = timezone.now()
    summary = dashboard_summary(city.district.code, now - timedelta(days=1), now + timedelta(days=1))
    assert (summary["raised"], summary["raised_by_residents"]) == (3, 0)
    empty = dashboard_summary(city.district.code, now - timedelta(days=30), now - timedelta(days=20))
    assert empty["raised"] == 0 and empty["satisfied_share"] is None


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(items):
    city = items
    Area.objects.filter(pk=city.community.pk).update(name='=HYPERLINK("http://x")')
    answer = city.client("analyst").get("/api/v1/export/consultations.csv", period(city, "community"))
    row = next(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert row["area_name"] == '\'=HYPERLINK("http://x")'


def test_figures_are_refused_outside_the_scope_and_for_grids(items):
    city = items
    other = city.client("other_dispatcher")
    assert other.get("/api/v1/figures/consultations/", period(city, "community")).status_code == 404
    refused = city.client("analyst").get("/api/v1/figures/consultations/", period(city, "grid"))
    assert refused.status_code == 400 and refused.json()["field"] == "level"
    assert city.client("analyst").get("/api/v1/export/consultations.csv", period(city, "grid")).status_code == 400


def test_the_dashboard_shows_the_same_consultation_figures(items):
    html = items.client("leader").get("/").content.decode()
    assert 'id="participation"' in html
    assert f'id="consultations-raised">{EXPECTED["raised"]}<' in html
    assert f"<td>{EXPECTED['solved']}</td><td>{round(100 * EXPECTED['solved_share'], 1)}</td>" in html
