"""The dashboard's ranking by the star rating's computed criteria (ratings.ranking) and its exports:
the values are the figures of their own apps, the self-assessment of a quarter locks exactly what
the ranking shows for it (JSON, CSV, GeoJSON read by GDAL, the dashboard in Chromium on a phone and
a desktop), a district with no scheme keeps the ranking by the cases, the exports are scoped and
refuse bad input naming the field.

The city: two streets of two communities of one grid, the cast of tests/conftest.py (DrawnCity.staff),
the demo's scheme (8 computed criteria) from 2020 on, and this quarter's cases: in grid_worker's
community one closed within the grid and one open, in grid_worker_2's (the second street) one open;
a household link in grid_worker's grid, due its weekly visits, visited today."""

import csv
import io
import json
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import geopandas
import pytest
from django.utils import timezone

from demo.rating_scheme import SPEC
from grids.coverage import summary
from incidents.figures import figures
from incidents.intake import Report, report_incident
from incidents.models import Incident
from incidents.workflow import act
from ratings import assessing
from ratings.models import Assessment, Criterion, Score, quarter_label
from ratings.ranking import Period, ranking
from ratings.schemes import make_scheme, quarter_of
from tests.conftest import DEMO_PASSWORD, committed_city, draw_city
from tests.govgrid.devices import Device
from tests.ratings.conftest import scored
from volunteers.duties import VisitRecord, record_visit
from volunteers.figures import volunteer_figures

CITY = {"streets": 2, "towns": 0, "communities": 2, "grids": (1, 1)}
THIS_QUARTER = quarter_label(quarter_of(timezone.localdate()))


def report_in(city, worker):
    """A case `worker` (of the cast) reports in their grid; its code."""
    point = city.grid_of(worker).geom.point_on_surface
    report = Report(client_id=uuid.uuid4(), category="0301", description="路灯不亮", lon=point.x, lat=point.y)
    return report_incident(city.users[worker], report)[0].code


def step(city, code, name, action, **fields):
    return act(city.users[name], code, action, Incident.objects.get(code=code).version, **fields)


def settle(city):
    """The cast, the scheme and this quarter's cases and household link (the module's docstring)."""
    city.staff()
    city.scheme = make_scheme(city.district, date(2020, 1, 1), SPEC, "社区党组织星级评定细则")
    closed = report_in(city, "grid_worker")
    step(city, closed, "grid_worker", "accept")
    step(city, closed, "community_dispatcher", "resolve")
    step(city, closed, "street_dispatcher", "close")
    report_in(city, "grid_worker")
    report_in(city, "grid_worker_2")
    link = city.link(city.person("李红"), city.grid_of("grid_worker"), 12)
    visit = VisitRecord(client_id=uuid.uuid4(), link=link.pk, visited_on=timezone.localdate(), households_reached=3)
    record_visit(city.users["community_dispatcher"], visit)
    return city


@pytest.fixture
def city(db):
    return settle(draw_city(code="990041", **CITY))


def this_quarter():
    return Period("quarter", quarter_of(timezone.localdate()))


def aware(day):
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def rows_of(city, level, period):
    [table] = ranking([city.code], level, period)
    return {row["code"]: row for row in table.rows}, table


def self_assess(city):
    """The district opens this quarter's round; grid_worker's community saves its scores and
    submits: its computed criteria are locked. Their scores, {criterion code: (value, points)}."""
    round_, _created = assessing.open_round(city.users["leader"], city.code, timezone.localdate())
    community = city.grid_of("grid_worker").parent
    assessment = Assessment.objects.get(round=round_, community=community)
    user = city.users["community_dispatcher"]
    assessing.save_own_scores(user, assessment.pk, scored(city.scheme))
    assessing.submit_self_assessment(user, assessment.pk)
    scores = Score.objects.filter(assessment=assessment, criterion__kind=Criterion.Kind.COMPUTED)
    return community.code, {s.criterion.code: (s.value, s.self_points) for s in scores.select_related("criterion")}


def same_number(exported, kept):
    """A number of an export (JSON, CSV text, GeoJSON) equals a kept Decimal (None: nothing)."""
    if kept is None:
        return exported in (None, "")
    return Decimal(str(exported)) == kept


# --- the values are the figures of their own apps ---------------------------------------------------


def test_each_communitys_values_are_the_figures_of_the_cases_volunteers_and_coverage(city):
    period = this_quarter()
    since, until = period.days()
    rows, table = rows_of(city, "community", period)
    cases = {r["code"]: r["shares"] for r in figures(city.code, "community", aware(since), aware(until))}
    members = {r["code"]: r for r in volunteer_figures([city.code], "community", since, until)}
    coverage = {r["code"]: r["shares"] for r in summary(city.code, "community")}
    by_indicator = {c.code: c.indicator for c in table.criteria}

    assert set(rows) == {c.code for c in city.communities}
    worked = city.grid_of("grid_worker").parent.code
    assert cases[worked]["closed_in_grid"] == 1 and cases[worked]["closure_rate"] == 0.5  # the drawing
    for code, row in rows.items():
        values = {by_indicator[c]: value for c, (value, _points) in row["criteria"].items()}
        for indicator, share in (("closed_in_grid", "closed_in_grid"), ("on_time_rate", "on_time_rate"),
                                 ("satisfaction", "satisfied")):  # fmt: skip
            assert same_number(cases.get(code, {}).get(share), values[indicator]), (code, indicator)
        assert same_number(members.get(code, {}).get("visits_share"), values["visits_done"])
        assert same_number(coverage[code]["full"], values["coverage_full"])
        assert same_number(cases.get(code, {}).get("closure_rate"), row["closure_rate"])
        assert row["computed_points"] == sum(points for _value, points in row["criteria"].values())


def test_the_ranking_is_by_computed_points_then_closure_rate_then_code(city):
    rows, _table = rows_of(city, "community", this_quarter())
    ranked = sorted(rows.values(), key=lambda row: row["rank"])
    worked = city.grid_of("grid_worker").parent.code
    other = city.grid_of("grid_worker_2").parent.code

    # closed within the grid (6 points) and on time (5 points) put grid_worker's community first
    assert ranked[0]["code"] == worked and ranked[0]["computed_points"] >= 11
    # the others score alike; the one with a case (closure 0) comes before those with none, then by code
    assert [row["code"] for row in ranked[1:]] == [other] + sorted(set(rows) - {worked, other})
    assert {row["computed_points"] for row in ranked[1:]} == {ranked[1]["computed_points"]}


def test_streets_are_ranked_on_their_own_street_figures(city):
    period = Period("month", timezone.localdate().replace(day=1))
    since, until = period.days()
    rows, table = rows_of(city, "street", period)
    cases = {r["code"]: r["shares"] for r in figures(city.code, "street", aware(since), aware(until))}
    in_grid = next(c.code for c in table.criteria if c.indicator == "closed_in_grid")

    assert set(rows) == {s.code for s in city.streets}
    for code, row in rows.items():
        assert same_number(cases[code]["closed_in_grid"], row["criteria"][in_grid][0])
    assert rows[city.streets[0].code]["rank"] == 1


# --- the self-assessment locks what the ranking shows ------------------------------------------------


def test_the_self_assessment_locks_the_values_and_points_the_json_shows(city):
    community, locked = self_assess(city)
    answer = city.client("leader").get(
        "/api/v1/ratings/ranking/", {"level": "community", "quarter": THIS_QUARTER, "within": city.code}
    )
    assert answer.status_code == 200, answer.content
    [district] = answer.json()["districts"]
    [area] = [a for a in district["areas"] if a["code"] == community]

    assert set(area["criteria"]) == set(locked) and len(locked) == 8
    for code, (value, points) in locked.items():
        assert same_number(area["criteria"][code]["value"], value), code
        assert same_number(area["criteria"][code]["points"], points), code
    assert same_number(area["computed_points"], sum(points for _value, points in locked.values()))
    most = sum(c.max_points for c in city.scheme.criteria.filter(kind=Criterion.Kind.COMPUTED))
    assert area["rank"] == 1 and same_number(district["max_points"], most) and most == 41  # the demo's 8


def test_the_self_assessment_locks_the_values_and_points_the_csv_shows(city):
    community, locked = self_assess(city)
    answer = city.client("analyst").get("/api/v1/ratings/ranking.csv", {"level": "community", "quarter": THIS_QUARTER})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    [line] = [r for r in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))) if r["code"] == community]

    for code, (value, points) in locked.items():
        assert same_number(line[f"{code}_value"], value), code
        assert same_number(line[f"{code}_points"], points), code
    assert line["rank"] == "1" and line["district"] == city.code


def test_the_csvs_cells_are_safe_to_open_in_a_spreadsheet(city):
    community = city.communities[-1]
    community.name = '=HYPERLINK("http://example.com")社区'
    community.save(update_fields=["name"])
    answer = city.client("leader").get("/api/v1/ratings/ranking.csv", {"level": "community", "quarter": THIS_QUARTER})
    [line] = [r for r in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))) if r["code"] == community.code]
    assert line["name"] == "'" + community.name
    # numbers stay numbers: 8 points where there is nothing to count (B3 2, D4 3, E3 3), no closure rate
    assert line["computed_points"] == "8.0" and line["closure_rate"] == ""


def test_the_self_assessment_locks_the_values_and_points_the_geojson_shows_to_gdal(city, tmp_path):
    community, locked = self_assess(city)
    answer = city.client("leader").get(
        "/api/v1/ratings/ranking.geojson", {"level": "community", "quarter": THIS_QUARTER}
    )
    assert answer.status_code == 200
    path = tmp_path / "ranking.geojson"
    path.write_bytes(answer.content)
    layer = geopandas.read_file(path)  # through GDAL
    row = layer[layer["code"] == community].iloc[0]

    assert len(layer) == len(city.communities)
    assert set(layer.geom_type) == {"MultiPolygon"}
    assert row.geometry.equals_exact(_shape(city[community]), 1e-7)
    for code, (value, points) in locked.items():
        exported = row[f"{code}_value"]
        assert same_number(None if exported != exported else exported, value), code  # NaN: nothing to count
        assert same_number(row[f"{code}_points"], points), code
    assert row["rank"] == 1


def _shape(area):
    from shapely import wkb

    return wkb.loads(bytes(area.geom.wkb))


# --- a district without a scheme, scope and bad input ------------------------------------------------


def test_a_district_with_no_scheme_keeps_the_ranking_by_the_cases_and_says_so(db):
    city = draw_city(code="990043", **CITY).staff()
    report_in(city, "grid_worker")
    answer = city.client("leader").get("/api/v1/ratings/ranking/", {"level": "community", "quarter": THIS_QUARTER})
    assert answer.json()["districts"] == [
        {"code": city.code, "name": city.district.name, "scheme": None, "criteria": [], "max_points": None, "areas": []}
    ]
    page = city.client("leader").get("/", {"quarter": THIS_QUARTER}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "has no rating scheme for this period" in page
    assert city.grid_of("grid_worker").parent.name in page  # ranked by the cases


def test_a_communitys_staff_get_404_for_another_street(city):
    other_street = city.streets[1].code
    for suffix in ("/", ".csv", ".geojson"):
        answer = city.client("community_dispatcher").get(
            f"/api/v1/ratings/ranking{suffix}", {"level": "community", "quarter": THIS_QUARTER, "within": other_street}
        )
        assert answer.status_code == 404 and answer.json()["field"] == "within"


def test_a_communitys_staff_see_only_their_own_community(city):
    answer = city.client("community_dispatcher").get(
        "/api/v1/ratings/ranking/", {"level": "community", "quarter": THIS_QUARTER}
    )
    [district] = answer.json()["districts"]
    assert [a["code"] for a in district["areas"]] == [city.grid_of("grid_worker").parent.code]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"level": "community", "month": "2026-11", "quarter": "2026Q4"}, "quarter"),
        ({"level": "community", "month": "2026-13"}, "month"),
        ({"level": "community", "month": "202611"}, "month"),
        ({"level": "community", "quarter": "2026Q5"}, "quarter"),
        ({"level": "grid", "quarter": "2026Q4"}, "level"),
        ({"quarter": "2026Q4"}, "level"),
        ({"level": "community"}, "month"),
        ({"level": "community", "quarter": "2026Q4", "within": "99004"}, "within"),
    ],
)
def test_bad_input_is_refused_naming_the_field_in_chinese(city, query, field):
    for suffix in ("/", ".csv", ".geojson"):
        answer = city.client("leader").get(f"/api/v1/ratings/ranking{suffix}", query)
        assert answer.status_code == 400, (suffix, answer.content)
        assert answer.json()["field"] == field
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["detail"]), answer.json()["detail"]


def test_bad_input_is_refused_in_english_when_asked(city):
    answer = city.client("leader").get(
        "/api/v1/ratings/ranking/",
        {"level": "community", "month": "2026-11", "quarter": "2026Q4"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.json() == {"detail": "Give a month or a quarter, not both.", "code": "invalid", "field": "quarter"}


def test_a_street_ranking_asked_within_a_community_is_refused_naming_the_level(city):
    community = city.grid_of("grid_worker").parent.code
    answer = city.client("leader").get(
        "/api/v1/ratings/ranking/", {"level": "street", "quarter": THIS_QUARTER, "within": community}
    )
    assert answer.status_code == 400 and answer.json()["field"] == "level"


def test_the_exports_are_in_the_openapi_schema(city):
    schema = city.client("admin").get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/ratings/ranking/", "/api/v1/ratings/ranking.csv", "/api/v1/ratings/ranking.geojson"):
        operation = schema["paths"][path]["get"]
        assert {p["name"] for p in operation["parameters"]} >= {"within", "level", "month", "quarter"}
        assert "400" in operation["responses"]


# --- the dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_ranks_a_quarter_by_the_computed_criteria_with_links_to_the_exports(city):
    page = city.client("leader").get("/", {"quarter": THIS_QUARTER}).content.decode()
    assert 'id="ranking-community"' in page and 'id="ranking-street"' in page
    assert f"/api/v1/ratings/ranking.csv?level=community&amp;quarter={THIS_QUARTER}" in page
    assert f"/api/v1/ratings/ranking.geojson?level=street&amp;quarter={THIS_QUARTER}" in page
    assert '<abbr title="E1 小事不出网格：网格内办结 (6)">E1</abbr>' in page
    assert f"<option selected>{THIS_QUARTER}</option>" in page


def test_the_dashboards_ranking_speaks_chinese_by_default_and_english_on_request(city):
    chinese = city.client("leader").get("/", {"quarter": THIS_QUARTER}).content.decode()
    english = city.client("leader").get("/", {"quarter": THIS_QUARTER}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "计算得分" in chinese and "导出排名" in chinese and "按《社区党组织星级评定细则》（第 1 版）" in chinese
    assert "computed points" in english and "Export the ranking:" in english
    assert "By the computed criteria of 社区党组织星级评定细则 (version 1)" in english


def test_a_quarter_outside_the_last_four_falls_back_to_the_last_whole_month(city):
    page = city.client("leader").get("/", {"quarter": "2001Q1"}).content.decode()
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f"<option selected>{last_month}</option>" in page and f" · {last_month}</h2>" in page
    assert "<option selected>2001Q1</option>" not in page


# --- the dashboard in Chromium, phone and desktop -------------------------------------------------------


@pytest.fixture(scope="module")
def served_city(django_db_setup, django_db_blocker):
    """The city committed for the served app (beside the others' drawn cities), with grid_worker's
    community self-assessed for this quarter; the leader logs in with the tests' password."""

    def people(city):
        settle(city)
        city.users["leader"].set_password(DEMO_PASSWORD)
        city.users["leader"].save()
        city.locked = self_assess(city)

    with committed_city(django_db_blocker, people, code="990042", origin=(112.90, 32.60), **CITY) as city:
        yield city


@pytest.mark.django_db
@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_the_dashboard_shows_what_the_self_assessment_locked_on_a_phone_and_a_desktop(
    browser, served_app, served_city, profile
):
    community, locked = served_city.locked
    device = Device(browser, profile)
    try:
        device.log_in(served_app, served_city.users["leader"].username)
        page = device.page
        page.goto(f"{served_app}/?quarter={THIS_QUARTER}", wait_until="load")
        row = page.locator(f"#ranking-community tr[data-area='{community}']")
        row.wait_for()
        criteria = {c.code: c for c in served_city.scheme.criteria.filter(kind=Criterion.Kind.COMPUTED)}
        for code, (value, points) in locked.items():
            cell = row.locator(f"td[data-criterion='{code}']")
            shown = _shown(criteria[code], value)
            assert cell.get_attribute("data-value") == shown, code
            assert Decimal(cell.get_attribute("data-points")) == points, code
            assert cell.inner_text().strip() == f"{shown or '—'} · {_points(points)}"
        assert row.locator("td[data-rank]").inner_text() == "1"
        assert device.sideways_overflow() == 0
        block = page.locator("#ranking-community .table-scroll").bounding_box()
        assert block["x"] + block["width"] <= page.viewport_size["width"]
        page.locator("#ranking-community").scroll_into_view_if_needed()
        device.screenshot("test_the_dashboard_ranking_by_computed_criteria")
        assert device.blocked == [] and device.console_errors == []
    finally:
        device.close()


def _shown(criterion, value):
    from ratings.indicators import INDICATORS

    found = INDICATORS[criterion.indicator].shown(value)
    return "" if found is None else str(found)


def _points(points):
    """As the page's floatformat:"-2" writes points: whole ones without decimals."""
    return str(int(points)) if points == int(points) else f"{points:.2f}"


def test_json_of_the_answer_is_valid_geojson_for_every_area(city):
    answer = city.client("leader").get("/api/v1/ratings/ranking.geojson", {"level": "street", "month": "2026-11"})
    collection = json.loads(answer.content)
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [s.code for s in city.streets]
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in collection["features"])
