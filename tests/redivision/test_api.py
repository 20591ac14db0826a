"""The generations' API and `as_of` on the areas, the lookup, coverage, figures and exports: a drawn
grid split through the API, its work moved, and the day before still answered with the old grid."""

import csv
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from grids.models import Area, Generation, Role
from incidents.intake import Report, report_incident

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def west(city):
    return city.grids_of(city.communities[0])[0]


def line_across(grid):
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    return {"type": "LineString", "coordinates": [[middle, y0 - 0.001], [middle, y1 + 0.001]]}


def split_west_grid(city):
    admin = city.client("admin")
    started = post(admin, "/api/v1/generations/", {"district": city.code, "name": "网格调整"})
    assert started.status_code == 201, started.content
    draft = started.json()
    grid = west(city)
    split = post(
        admin, f"/api/v1/generations/{draft['id']}/split/", {"version": draft["version"], "grid": grid.code,
                                                              "line": line_across(grid)},
    )  # fmt: skip
    assert split.status_code == 200, split.content
    return admin, split.json()


def test_an_administrator_splits_a_grid_dry_runs_and_activates_it(staffed_city):
    city = staffed_city
    admin, draft = split_west_grid(city)
    assert draft["status"] == "draft" and draft["added"] == 2 and draft["retired"] == 1
    assert {f["properties"]["how"] for f in draft["new_grids"]["features"]} == {"split"}
    problems = admin.get(f"/api/v1/generations/{draft['id']}/check/").json()
    assert problems == {"problems": []}
    dry = post(admin, f"/api/v1/generations/{draft['id']}/dry-run/", {"version": draft["version"]})
    assert dry.status_code == 200
    # the cast's grid worker serves the west grid: the dry run names where they go
    assert [m["kind"] for m in dry.json()["moves"]].count("assignment") == 1
    assert Generation.objects.get(pk=draft["id"]).status == "draft"
    done = post(admin, f"/api/v1/generations/{draft['id']}/activate/", {"version": draft["version"]})
    assert done.status_code == 200, done.content
    assert done.json()["moves"] == dry.json()["moves"]
    detail = admin.get(f"/api/v1/generations/{draft['id']}/").json()
    assert detail["status"] == "active" and len(detail["successions"]) == 2
    assert [f["id"] for f in detail["old_grids"]["features"]] == [west(city).code]
    listed = admin.get(f"/api/v1/generations/?district={city.code}").json()
    assert [(g["number"], g["status"]) for g in listed] == [(1, "past"), (2, "active")]


def test_only_an_administrator_changes_a_draft_and_a_stale_version_is_refused(staffed_city):
    city = staffed_city
    admin, draft = split_west_grid(city)
    worker = city.client("grid_worker")
    refused = post(worker, f"/api/v1/generations/{draft['id']}/discard/", {"version": draft["version"]})
    assert refused.status_code == 403
    stale = post(admin, f"/api/v1/generations/{draft['id']}/discard/", {"version": draft["version"] - 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert worker.get(f"/api/v1/generations/{draft['id']}/").status_code == 404  # generations: not a worker's
    assert city.client("leader").get(f"/api/v1/generations/{draft['id']}/").status_code == 200


def test_bad_drawings_are_refused_naming_the_field(staffed_city):
    city = staffed_city
    admin, draft = split_west_grid(city)
    url = f"/api/v1/generations/{draft['id']}/split/"
    grid = city.grids_of(city.communities[1])[0]
    not_geojson = post(admin, url, {"version": draft["version"], "grid": grid.code, "line": "a line"})
    assert not_geojson.status_code == 400 and not_geojson.json()["field"] == "line"
    x0, y0, _x1, _y1 = grid.geom.extent
    short = {"type": "LineString", "coordinates": [[x0 + 0.0005, y0 + 0.0005], [x0 + 0.001, y0 + 0.001]]}
    missed = post(admin, url, {"version": draft["version"], "grid": grid.code, "line": short})
    assert missed.status_code == 422 and missed.json()["field"] == "line"
    polygon = post(admin, url, {"version": draft["version"], "grid": grid.code, "line": {
        "type": "Polygon", "coordinates": [[[x0, y0], [x0 + 0.001, y0], [x0, y0 + 0.001], [x0, y0]]]}})  # fmt: skip
    assert polygon.status_code == 400 and polygon.json()["field"] == "line"
    merge = post(
        admin, f"/api/v1/generations/{draft['id']}/merge/", {"version": draft["version"], "grids": [grid.code]}
    )
    assert merge.status_code == 400 and merge.json()["field"] == "grids"
    assert Generation.objects.get(pk=draft["id"]).version == draft["version"]


def test_as_of_the_day_before_answers_with_the_old_grid_everywhere(staffed_city):
    city = staffed_city
    grid = west(city)
    x0, y0, x1, y1 = grid.geom.extent
    point = (x1 - 0.0005, (y0 + y1) / 2)  # in the east half of the west grid
    case = report_incident(
        city.users["grid_worker"],
        Report(client_id=uuid.uuid4(), category="0301", description="路灯不亮", lon=point[0], lat=point[1]),
    )[0]
    export = f"/api/v1/export/grids.geojson?area={city.code}"
    before = b"".join(city.client("admin").get(export).streaming_content)
    admin, draft = split_west_grid(city)
    post(admin, f"/api/v1/generations/{draft['id']}/activate/", {"version": draft["version"]})
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    new_grid = Area.objects.grids().get(geom__covers=f"POINT({point[0]} {point[1]})")

    lookup = f"/api/v1/areas/lookup/?lon={point[0]}&lat={point[1]}"
    assert admin.get(lookup).json()["grid"]["code"] == new_grid.code
    assert admin.get(lookup + f"&as_of={yesterday}").json()["grid"]["code"] == grid.code

    within = f"/api/v1/areas/?level=grid&within={city.communities[0].code}"
    today_codes = [f["id"] for f in admin.get(within).json()["features"]]
    old_codes = [f["id"] for f in admin.get(within + f"&as_of={yesterday}").json()["features"]]
    assert grid.code in old_codes and grid.code not in today_codes and new_grid.code in today_codes
    retired = admin.get(f"/api/v1/areas/{grid.code}/").json()["properties"]
    assert retired["valid_to"] == timezone.localdate().isoformat()
    assert admin.get(f"/api/v1/areas/{grid.code}/?as_of={timezone.localdate()}").status_code == 404

    coverage = f"/api/v1/coverage/grids/?within={city.communities[0].code}"
    assert grid.code in [f["id"] for f in admin.get(coverage + f"&as_of={yesterday}").json()["features"]]
    assert grid.code not in [f["id"] for f in admin.get(coverage).json()["features"]]

    # figures: per generation the case counts in the grid it now is in; as of yesterday, in the old grid
    since, until = (timezone.now() - timedelta(days=1)).isoformat(), (timezone.now() + timedelta(days=1)).isoformat()
    figures = "/api/v1/figures/"
    params = {"within": city.communities[0].code, "level": "grid", "since": since, "until": until}
    now_rows = {r["code"]: r["received"] for r in admin.get(figures, params).json()}
    old_rows = {r["code"]: r["received"] for r in admin.get(figures, params | {"as_of": yesterday}).json()}
    assert now_rows == {new_grid.code: 1} and old_rows == {grid.code: 1}
    case.refresh_from_db()
    assert case.grid == new_grid

    # the export of the grids as of yesterday is the export made before the change, byte for byte
    assert b"".join(admin.get(export + f"&as_of={yesterday}").streaming_content) == before
    today = b"".join(admin.get(export).streaming_content)
    assert today != before and new_grid.code.encode() in today and grid.code.encode() not in today
    rows = list(csv.DictReader(io.StringIO(b"".join(admin.get(
        f"/api/v1/export/grids.csv?area={city.communities[0].code}&as_of={yesterday}").streaming_content
    ).decode("utf-8-sig"))))  # fmt: skip
    assert [r["code"] for r in rows] == [g.code for g in city.grids_of(city.communities[0])]


def test_a_worker_sees_the_district_but_a_stranger_does_not(staffed_city):
    city = staffed_city
    _admin, draft = split_west_grid(city)
    stranger = city.account("stranger", "外人", Role.GRID_WORKER, Area.objects.get(code="411381001001001"))
    from django.test import Client

    client = Client()
    client.force_login(stranger)
    assert client.get(f"/api/v1/generations/{draft['id']}/").status_code == 404
    assert client.get("/api/v1/generations/").json() == [] or all(
        g["district"] != city.code for g in client.get("/api/v1/generations/").json()
    )


def test_the_coverage_map_as_of_the_day_before_draws_the_old_grids(staffed_city):
    city = staffed_city
    grid = west(city)
    admin, draft = split_west_grid(city)
    post(admin, f"/api/v1/generations/{draft['id']}/activate/", {"version": draft["version"]})
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = f"/maps/coverage/?area={city.communities[0].code}"
    old = admin.get(page + f"&as_of={yesterday}")
    assert old.status_code == 200 and grid.code in old.content.decode() and "as-of-note" in old.content.decode()
    assert grid.code not in admin.get(page).content.decode()
    assert admin.get(f"/maps/coverage/grid/{grid.code}/?as_of={yesterday}").status_code == 200
    refused = admin.get(page + "&as_of=2026-13-45")
    assert refused.status_code == 400 and "as_of" in refused.content.decode()


def test_figures_over_a_period_spanning_the_change_are_the_sum_of_its_parts(staffed_city):
    from incidents.figures import figures
    from incidents.models import Incident

    city = staffed_city
    grid = west(city)
    x0, y0, x1, y1 = grid.geom.extent
    now = timezone.now()
    points = [(x0 + 0.0005, y0 + 0.001), (x1 - 0.0005, y0 + 0.002), (x1 - 0.0008, y1 - 0.001)]
    before = [a_case(city, point) for point in points]
    Incident.objects.filter(pk__in=[c.pk for c in before]).update(received_at=now - timedelta(days=3))
    Incident.objects.filter(pk=before[0].pk).update(status="closed")  # a closed case keeps its grid
    admin, draft = split_west_grid(city)
    post(admin, f"/api/v1/generations/{draft['id']}/activate/", {"version": draft["version"]})
    after = [a_case(city, point) for point in points[:2]]
    assert {c.grid.code for c in after} <= set(Area.objects.values_list("code", flat=True))

    community = city.communities[0].code
    start, change, end = now - timedelta(days=7), now - timedelta(hours=1), now + timedelta(hours=1)
    for level in ("grid", "community"):
        whole = {r["code"]: r["received"] for r in figures(community, level, start, end)}
        parts = {}
        for since, until in ((start, change), (change, end)):
            for row in figures(community, level, since, until):
                parts[row["code"]] = parts.get(row["code"], 0) + row["received"]
        assert whole == parts and sum(whole.values()) == 5, level
    grid_rows = {r["code"]: r for r in figures(community, "grid", start, end)}
    assert grid_rows[grid.code]["received"] == 1 and grid_rows[grid.code]["valid_to"] == timezone.localdate()


def a_case(city, point):
    return report_incident(
        city.users["admin"],
        Report(client_id=uuid.uuid4(), category="0301", description="井盖缺失", lon=point[0], lat=point[1]),
    )[0]


def test_the_dashboard_counts_a_retired_grids_cases_in_todays_grids_and_says_so(staffed_city):
    city = staffed_city
    grid = west(city)
    x0, y0, x1, y1 = grid.geom.extent
    closed = a_case(city, (x1 - 0.0005, (y0 + y1) / 2))
    closed.status = "closed"
    closed.save(update_fields=["status"])
    admin, draft = split_west_grid(city)
    post(admin, f"/api/v1/generations/{draft['id']}/activate/", {"version": draft["version"]})
    east_half = Area.objects.grids().get(geom__covers=closed.location)
    page = admin.get(f"/?area={city.communities[0].code}")
    rows = {row["code"]: row["received"] for row in page.context["children"]}
    assert rows[east_half.code] == 1 and grid.code not in rows
    assert "counts in today" in page.content.decode() or "计入今天" in page.content.decode()


def test_the_generation_page_opens_the_wizard_of_the_community_chosen(staffed_city):
    city = staffed_city
    admin, draft = split_west_grid(city)
    community = city.communities[0].code
    page = admin.get(f"/redivision/{draft['id']}/").content.decode()
    assert 'id="open-wizard"' in page
    answer = admin.get(f"/redivision/{draft['id']}/wizard/?community={community}")
    assert answer.status_code == 302 and answer["Location"] == f"/redivision/{draft['id']}/wizard/{community}/"
    assert admin.get(f"/redivision/{draft['id']}/wizard/?community=").status_code == 404
