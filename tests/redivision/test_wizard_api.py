"""The wizard's API: an administrator's proposal for a community of a draft as GeoJSON with the
balance, accepted into the draft with `accept`; bad input answers a 4xx naming the field, in Chinese
by default and in English when asked, and writes nothing."""

import uuid

import pytest

from grids import generations
from grids.models import DraftGrid, GridKind
from incidents.intake import Report, report_incident
from tests.conftest import draw_city

from .test_wizard_proposal import UNEVEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    """A drawn city of two streets of two communities of 4 × 5 grids, the first with households spread unevenly
    and a market (its grid 008); with the demo's cast of accounts."""
    city = draw_city(streets=2, towns=0, communities=2, grids=(4, 5)).staff()
    for grid, households in zip(city.grids_of(city.communities[0]), UNEVEN, strict=True):
        grid.households = households
        grid.kind = GridKind.MARKET if grid.code.endswith("008") else GridKind.BASIC
        grid.save(update_fields=["households", "kind"])
    city.draft = generations.start_draft(city.code)
    return city


def ask(city, body, who="admin", language="zh-hans"):
    client = city.client(who)
    return client.post(
        f"/api/v1/generations/{city.draft.id}/wizard/", body, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )  # fmt: skip


def community(city):
    return city.communities[0].code


def test_the_administrator_gets_the_proposal_as_geojson_with_the_balance_and_nothing_is_written(city):
    answer = ask(city, {"community": community(city), "households_min": 300, "households_max": 500})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == body["after"]["grids"]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert body["kept"] == [community(city) + "008"]
    assert body["after"]["households"]["cv"] < body["before"]["households"]["cv"]
    assert body["accepted"] is False and body["grids"] == []
    assert not DraftGrid.objects.filter(generation=city.draft).exists()


def test_accept_writes_the_proposal_into_the_draft_with_new_codes(city):
    answer = ask(
        city, {"community": community(city), "households_min": 300, "households_max": 500, "accept": True, "version": 1}
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["accepted"] is True and body["version"] == 2
    made = DraftGrid.objects.filter(generation=city.draft).order_by("code")
    assert [d.code for d in made] == body["grids"]
    assert body["grids"][0] == community(city) + "021"  # after the highest code ever used there
    assert {d.how for d in made} == {"wizard"}
    assert generations.check(city.draft.id) == []


def test_a_stale_version_is_refused_with_409_and_nothing_is_written(city):
    answer = ask(
        city, {"community": community(city), "households_min": 300, "households_max": 500, "accept": True, "version": 7}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "stale_version"
    assert not DraftGrid.objects.filter(generation=city.draft).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"households_min": 500, "households_max": 300}, "households_max"),
        ({"households_min": 300}, "households_max"),
        ({}, "households_min"),
        ({"households_min": 300, "households_max": 500, "cases_per_grid": 20}, "cases_per_grid"),
        ({"households_min": 0, "households_max": 500}, "households_min"),
        ({"households_min": "many", "households_max": 500}, "households_min"),
        ({"cases_per_grid": 20, "roads": {"type": "Point", "coordinates": [112.6, 32.5]}}, "roads"),
    ],
)
def test_a_bad_target_is_a_400_naming_the_field(city, body, field):
    answer = ask(city, {"community": community(city), **body})
    assert answer.status_code == 400, answer.json()
    assert answer.json()["field"] == field


def test_the_refusal_is_in_chinese_by_default_and_in_english_when_asked(city):
    body = {"community": community(city), "households_min": 500, "households_max": 300}
    assert "高于" in ask(city, body).json()["detail"]
    assert "is above" in ask(city, body, language="en").json()["detail"]


def test_a_community_of_another_district_or_an_unknown_generation_is_a_404(city):
    answer = ask(city, {"community": "411381001001", "cases_per_grid": 10})
    assert answer.status_code == 404 and answer.json()["field"] == "community"
    assert ask(city, {"community": "12345", "cases_per_grid": 10}).json()["field"] == "community"
    client = city.client("admin")
    missing = client.post(
        f"/api/v1/generations/{city.draft.id + 999}/wizard/", {"community": community(city), "cases_per_grid": 10},
        content_type="application/json",
    )  # fmt: skip
    assert missing.status_code == 404 and missing.json()["field"] == "generation"


def test_a_leader_may_not_re_divide(city):
    answer = ask(city, {"community": community(city), "cases_per_grid": 10}, who="leader")
    assert answer.status_code == 403


def test_households_targets_on_grids_with_no_households_are_a_422(city):
    answer = ask(city, {"community": city.communities[1].code, "households_min": 150, "households_max": 250})
    assert answer.status_code == 200  # the second community has 100 households per grid
    for grid in city.grids_of(city.communities[1]):
        grid.households = None
        grid.save(update_fields=["households"])
    answer = ask(city, {"community": city.communities[1].code, "households_min": 300, "households_max": 500})
    assert answer.status_code == 422 and answer.json()["field"] == "households_min"


def test_a_case_load_target_balances_the_cases_of_the_last_year(city):
    """Thirty cases reported in the south-west grid of the second community, none elsewhere: at most
    ten per grid, the wizard gives three grids of about ten cases each where one grid had thirty."""
    target = city.grids_of(city.communities[1])[0]
    x0, y0, x1, y1 = target.geom.extent
    for i in range(30):
        lon, lat = x0 + (x1 - x0) * (i % 6 + 0.5) / 6, y0 + (y1 - y0) * (i // 6 + 0.5) / 5
        report = Report(client_id=uuid.uuid4(), category="0301", description="井盖缺失", lon=lon, lat=lat)
        report_incident(city.users["admin"], report)
    answer = ask(city, {"community": city.communities[1].code, "cases_per_grid": 10})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["before"]["cases_per_year"]["max"] == 30
    assert body["after"]["grids"] == 3 and body["after"]["cases_per_year"]["total"] == 30
    assert body["after"]["cases_per_year"]["max"] <= 12
