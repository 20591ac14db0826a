"""Exports for GIS tools: every format read back by GDAL's ogrinfo (Debian's), RFC 7946, each filter
and each refusal, scope, the residents' contacts masked where the caller's role may not see them, and
the streaming through a server-side cursor; in a staffed drawn city (tests/conftest.py), whose
cases and grids are all the test's own."""

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import uuid
from datetime import datetime
from decimal import Decimal

import pandas
import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from exports.plan import LAYERS
from grids.coverage import grid_coverage
from grids.models import Area
from grids.personal import PHONE_MASK
from grids.scopes import Scope
from incidents.models import Incident
from tests.conftest import DEMO_PASSWORD, committed_city, post_json
from tests.grids.test_coverage import staff_completely
from tests.maps.conftest import staffed_with_passwords

KINDS = ("incidents", "grids", "coverage")
FORMATS = ("geojson", "geojsonl", "csv", "gpkg")
CONTACT = {"contact_visible", "contact_name", "contact_phone"}
VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
# quotes, backslashes, line breaks, a tab, a control character, an emoji, markup, U+2028
TRICKY = 'He said "堵了\\" \\n,\n\ttab\x01; 😀 <b>&amp;</b> \u2028end'


# --- helpers ---------------------------------------------------------------------------------------


def export(client, kind, fmt="geojson", query="", **headers):
    response = client.get(f"/api/v1/export/{kind}.{fmt}" + (f"?{query}" if query else ""), **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def features(client, kind="incidents", query=""):
    """{feature id: properties} of a GeoJSON export."""
    response, body = export(client, kind, "geojson", query)
    assert response.status_code == 200, body[:300]
    return {f["id"]: f["properties"] for f in json.loads(body)["features"]}


def ogrinfo(source, *options, env=None):
    """What ogrinfo -so -al says of a file or URL: driver, feature count, geometry type, {field: type}."""
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", *options, source],
        capture_output=True,
        text=True,
        env=os.environ | (env or {}),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    return {
        "driver": re.search(r"using driver `(\w+)'", out)[1],
        "count": int(re.search(r"^Feature Count: (\d+)$", out, re.M)[1]),
        "geometry": re.search(r"^Geometry: (.+)$", out, re.M)[1],
        "fields": dict(re.findall(r"^(\w+): (\w+(?:\(\w+\))?) \(", out, re.M)),
    }


def first_geometry(source, *options):
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-fid", "1", *options, source], capture_output=True, text=True)
    match = re.search(r"^\s+((?:MULTI)?(?:POINT|POLYGON) .*)$", result.stdout, re.M)
    return match[1] if match else result.stdout


def csv_options(kind):
    return ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat"] if kind == "incidents" else []


def inside(grid):
    point = grid.geom.point_on_surface
    return point.x, point.y


def report(client, grid, **fields):
    lon, lat = inside(grid)
    body = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "路边暴露垃圾", "lon": lon, "lat": lat}
    response = client.post("/api/v1/incidents/", body | fields, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def expected_count(kind, user):
    scope = Scope.for_user(user)
    if kind == "incidents":
        return scope.filter(Incident.objects.all(), "area_code").count()
    return scope.areas(Area.objects.grids()).count()


def ring_area(ring):
    """Twice the signed area of a ring (shoelace): positive when counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))


def decimals(number):
    return max(0, -Decimal(number).as_tuple().exponent)


@pytest.fixture
def city(staffed_city):
    return staffed_city


@pytest.fixture
def cases(city):
    """A: in grid_worker's grid, with a resident's contact, accepted. B: in the same grid, no contact,
    escalated to the community. C: in grid_worker_2's grid (another street), with a short phone and a
    description full of characters that need escaping."""
    first, second = city.client("grid_worker"), city.client("grid_worker_2")
    grid, other = city.grid_of("grid_worker"), city.grid_of("grid_worker_2")
    a = report(first, grid, contact_name="张三", contact_phone="13812345678")
    b = report(first, grid, category="0702")
    c = report(second, other, contact_name="李四", contact_phone="622-1234", description=TRICKY)
    for code, action, body in ((a["code"], "accept", {"version": 1}), (b["code"], "escalate", {"version": 1})):
        body["reason"] = "需要社区协调"
        response = first.post(f"/api/v1/incidents/{code}/{action}/", body, content_type="application/json")
        assert response.status_code == 200, response.content
    return {"a": a["code"], "b": b["code"], "c": c["code"], "grid": grid, "other": other}


# --- every format, read back by GDAL ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_gdal_reads_every_export_with_the_right_count_geometry_and_fields(city, cases, tmp_path, kind, fmt):
    response, body = export(city.client("analyst"), kind, fmt)
    assert response.status_code == 200
    path = tmp_path / f"{kind}.{fmt}"
    path.write_bytes(body)
    layer = ogrinfo(str(path), *(csv_options(kind) if fmt == "csv" else []))

    assert layer["driver"] == {"geojson": "GeoJSON", "geojsonl": "GeoJSONSeq", "csv": "CSV", "gpkg": "GPKG"}[fmt]
    assert layer["count"] == expected_count(kind, city.users["analyst"]) > 0
    names = [c.name for c in LAYERS[kind].columns]
    assert set(names) <= set(layer["fields"])
    if kind == "incidents":
        assert layer["geometry"] == "Point"
    elif fmt == "csv":  # GDAL learns a WKT column's type only from the rows
        assert first_geometry(str(path)).startswith("MULTIPOLYGON (((")
    else:
        assert layer["geometry"] == "Multi Polygon"
    if fmt in ("geojson", "geojsonl", "gpkg") and kind == "incidents":
        assert layer["fields"]["received_at"] == "DateTime"
        assert layer["fields"]["overdue"] == "Integer(Boolean)"
        assert layer["fields"]["low_accuracy"] == "Integer(Boolean)"


@pytest.mark.django_db
def test_a_csv_of_incidents_may_carry_a_wkt_column_instead_of_lon_and_lat(city, cases, tmp_path):
    client = city.client("analyst")
    response, body = export(client, "incidents", "csv", "geometry=wkt")
    assert response.status_code == 200
    path = tmp_path / "incidents.csv"
    path.write_bytes(body)
    header = body.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[-1] == "WKT" and "lon" not in header and "lat" not in header
    layer = ogrinfo(str(path), "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO")
    assert layer["count"] == expected_count("incidents", city.users["analyst"]) > 0
    by_wkt = first_geometry(str(path))
    assert by_wkt.startswith("POINT (")
    plain = tmp_path / "lonlat.csv"
    plain.write_bytes(export(client, "incidents", "csv", "geometry=lonlat")[1])
    assert first_geometry(str(plain), *csv_options("incidents")) == by_wkt


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "fmt", "query"),
    [
        ("incidents", "geojson", "geometry=wkt"),
        ("incidents", "gpkg", "geometry=lonlat"),
        ("grids", "csv", "geometry=lonlat"),
        ("coverage", "csv", "geometry=lonlat"),
        ("incidents", "csv", "geometry=geojson"),
        ("incidents", "csv", "geometry=wkt&geometry=wkt"),
    ],
)
def test_the_geometry_choice_is_refused_where_it_means_nothing(city, kind, fmt, query):
    response, body = export(city.client("analyst"), kind, fmt, query)
    answer = json.loads(body)
    assert response.status_code == 400 and answer["field"] == "geometry"
    assert CJK.search(answer["detail"]), answer["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_geopackage_passes_gdals_validator(city, cases, tmp_path, kind):
    _response, body = export(city.client("analyst"), kind, "gpkg")
    path = tmp_path / f"{kind}.gpkg"
    path.write_bytes(body)
    result = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


@pytest.mark.django_db
def test_any_text_survives_every_format_unchanged(city, tmp_path):
    worker = city.client("grid_worker")
    case = report(
        worker, city.grid_of("grid_worker"), description=TRICKY, contact_name='王"五\\', contact_phone="13900001111"
    )
    by_geojson = features(worker)[case["code"]]
    _r, lines = export(worker, "incidents", "geojsonl")
    by_line = next(f["properties"] for f in map(json.loads, lines.splitlines()) if f["id"] == case["code"])
    _r, text = export(worker, "incidents", "csv")
    by_csv = next(r for r in csv.DictReader(io.StringIO(text.decode("utf-8-sig"))) if r["code"] == case["code"])
    _r, gpkg = export(worker, "incidents", "gpkg")
    (tmp_path / "i.gpkg").write_bytes(gpkg)
    with sqlite3.connect(tmp_path / "i.gpkg") as db:
        query = "SELECT description, contact_name FROM incidents WHERE code = ?"
        by_gpkg = db.execute(query, [case["code"]]).fetchone()

    for found in (by_geojson, by_line, by_csv):
        assert (found["description"], found["contact_name"]) == (TRICKY, '王"五\\')
    assert by_gpkg == (TRICKY, '王"五\\')


@pytest.mark.django_db
def test_the_exports_carry_the_same_features_in_every_format(city, cases, tmp_path):
    client = city.client("street_dispatcher")
    by_geojson = features(client)
    _r, lines = export(client, "incidents", "geojsonl")
    by_line = {f["id"]: f["properties"] for f in map(json.loads, lines.splitlines())}
    _r, text = export(client, "incidents", "csv")
    by_csv = {row["code"]: row for row in csv.DictReader(io.StringIO(text.decode("utf-8-sig")))}
    _r, gpkg = export(client, "incidents", "gpkg")
    (tmp_path / "i.gpkg").write_bytes(gpkg)
    frame = pandas.read_csv(io.BytesIO(text), dtype=str, keep_default_na=False)

    assert by_line == by_geojson
    assert set(by_csv) == set(by_geojson) == set(frame["code"]) >= {cases["a"], cases["b"]}
    assert list(frame.columns)[0] == "code"  # the byte-order mark is not part of the first name
    a = by_csv[cases["a"]]
    assert (a["contact_name"], a["contact_phone"], a["status"]) == ("张三", "13812345678", "accepted")
    lon, lat = inside(cases["grid"])
    assert abs(float(a["lon"]) - lon) < 1e-7 and abs(float(a["lat"]) - lat) < 1e-7
    assert ogrinfo(str(tmp_path / "i.gpkg"))["count"] == len(by_geojson)


# --- RFC 7946 --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_geojson_follows_rfc_7946(city, cases, kind):
    _response, body = export(city.client("analyst"), kind)
    collection = json.loads(body, parse_float=Decimal)
    west, south, east, north = (Decimal(f"{edge:.7f}") for edge in city.district.geom.extent)  # as GeoJSON has them

    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    assert all(f["type"] == "Feature" and "crs" not in f and isinstance(f["id"], str) for f in collection["features"])
    for feature in collection["features"]:
        geometry = feature["geometry"]
        points = (
            [geometry["coordinates"]]
            if geometry["type"] == "Point"
            else [p for polygon in geometry["coordinates"] for ring in polygon for p in ring]
        )
        for lon, lat in points:  # longitude first: the drawn city lies near 112.6°E, 32.5°N
            assert west <= lon <= east and south <= lat <= north
            assert decimals(lon) <= 7 and decimals(lat) <= 7
        if geometry["type"] == "MultiPolygon":
            for polygon in geometry["coordinates"]:
                assert ring_area(polygon[0]) > 0


@pytest.mark.django_db
def test_boundaries_come_out_counter_clockwise_with_clockwise_holes_however_stored(city):
    grid, neighbour = city.grids_of(city.communities[0])
    x0, y0, x1, y1 = grid.geom.extent
    clockwise = [(x0, y0), (x0, y1), (x1, y1), (x1, y0), (x0, y0)]
    a, b = x0 + (x1 - x0) / 4, y0 + (y1 - y0) / 4  # a hole in the south-west quarter
    hole = [(a, b), (2 * a - x0, b), (2 * a - x0, 2 * b - y0), (a, 2 * b - y0), (a, b)]
    grid.geom = MultiPolygon(Polygon(clockwise, hole), srid=4326)
    grid.save()
    assert ring_area(clockwise) < 0 and ring_area(hole) > 0  # stored the wrong way round

    found = features_with_geometry(city.client("admin"), "grids", f"area={grid.parent.code}")
    polygon = found[grid.code]["coordinates"][0]
    assert ring_area(polygon[0]) > 0 and ring_area(polygon[1]) < 0
    assert ring_area(found[neighbour.code]["coordinates"][0][0]) > 0


def features_with_geometry(client, kind, query):
    _response, body = export(client, kind, "geojson", query)
    return {f["id"]: f["geometry"] for f in json.loads(body)["features"]}


# --- filters ---------------------------------------------------------------------------------------


def codes(client, kind="incidents", query=""):
    return set(features(client, kind, query))


@pytest.fixture
def dated(cases):
    """A received on 10 January, B on 10 February, C on 10 March 2026 (local time)."""
    for key, month in (("a", 1), ("b", 2), ("c", 3)):
        at = timezone.make_aware(datetime(2026, month, 10, 12))
        Incident.objects.filter(code=cases[key]).update(received_at=at, reported_at=at)
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=accepted", {"a"}),
        ("status=reported", {"b", "c"}),
        ("category=0702", {"b"}),
        ("category=03", {"a", "c"}),  # a class stands for its items
        ("level=community", {"b"}),
        ("level=grid", {"a", "c"}),
        ("since=2026-02-01", {"b", "c"}),
        ("until=2026-02-01", {"a"}),
        ("since=2026-02-10T12:00:00%2B08:00&until=2026-03-10T12:00:00%2B08:00", {"b"}),  # since ≤ t < until
        ("since=2026-02-10T04:00:01Z", {"c"}),
    ],
)
def test_each_incident_filter_keeps_exactly_the_matching_cases(city, dated, query, expected):
    ours = {dated[key] for key in "abc"}
    assert codes(city.client("analyst"), query=query) & ours == {dated[key] for key in expected}


@pytest.mark.django_db
def test_the_area_filter_keeps_the_cases_reported_in_that_area(city, cases):
    community = cases["grid"].code[:12]
    expected = set(Incident.objects.filter(grid__code__startswith=community).values_list("code", flat=True))
    found = codes(city.client("analyst"), query=f"area={community}")
    assert found == expected and {cases["a"], cases["b"]} <= found and cases["c"] not in found


@pytest.mark.django_db
def test_the_bbox_filter_keeps_what_lies_in_the_box(city, cases):
    lon, lat = inside(cases["grid"])
    box = f"bbox={lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}"
    client = city.client("analyst")
    assert codes(client, query=box) & {cases["a"], cases["b"], cases["c"]} == {cases["a"], cases["b"]}
    assert codes(client, "grids", box) == {cases["grid"].code}
    assert codes(client, "coverage", box) == {cases["grid"].code}


@pytest.mark.django_db
def test_grid_exports_take_the_area_and_the_level(city):
    client = city.client("analyst")
    street = city.streets[0].code
    assert codes(client, "grids", f"area={street}") == {
        grid.code for grid in city.grids if grid.code.startswith(street)
    }
    assert codes(client, "grids", "level=community") == {community.code for community in city.communities}
    assert codes(client, "grids", "level=district") == {city.code}


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["full", "partial", "none"])
def test_coverage_exports_filter_by_status(city, status):
    # Every rule met in the first grid; its station also serves its neighbours (partial); the town's
    # grids, far from it and with nobody in them, meet none.
    staff_completely(city, city.grids[0])
    expected = {row["code"] for row in grid_coverage(city.code) if row["status"] == status}
    assert expected
    assert codes(city.client("analyst"), "coverage", f"status={status}") == expected


@pytest.mark.django_db
def test_coverage_exports_carry_the_coverage_apis_figures(city):
    staff_completely(city, city.grids[0])
    community = city.grids[0].parent.code
    client = city.client("analyst")
    mine = features(client, "coverage", f"area={community}")
    response = client.get(f"/api/v1/coverage/grids/?within={community}")
    theirs = {f["id"]: f["properties"] for f in response.json()["features"]}
    assert set(mine) == set(theirs)
    for code, properties in theirs.items():
        assert mine[code]["status"] == properties["status"]
        assert mine[code]["team_members"] == properties["team_members"]
        assert {rule: mine[code][f"ok_{rule}"] for rule in properties["rules"]} == properties["rules"]


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, query, status, field",
    [
        ("grids", "status=closed", 400, "status"),
        ("grids", "category=0301", 400, "category"),
        ("grids", "since=2026-01-01", 400, "since"),
        ("grids", "until=2026-01-01", 400, "until"),
        ("grids", "level=town", 400, "level"),
        ("coverage", "level=grid", 400, "level"),
        ("coverage", "category=0301", 400, "category"),
        ("coverage", "since=2026-01-01", 400, "since"),
        ("coverage", "status=closed", 400, "status"),
        ("incidents", "colour=red", 400, "colour"),
        ("incidents", "format=json", 400, "format"),
        ("incidents", "status=closed&status=reported", 400, "status"),
        ("incidents", "status=done", 400, "status"),
        ("incidents", "status=", 400, "status"),
        ("incidents", "category=9999", 400, "category"),
        ("incidents", "level=district", 400, "level"),
        ("incidents", "since=yesterday", 400, "since"),
        ("incidents", "until=2026-02-30", 400, "until"),
        ("incidents", "since=2026-02-01&until=2026-01-01", 400, "until"),
        ("incidents", "area=9900", 400, "area"),
        ("incidents", "area={district}999", 404, "area"),
        ("incidents", "bbox=112,32,113", 400, "bbox"),
        ("incidents", "bbox=112,32,nan,33", 400, "bbox"),
        ("incidents", "bbox=112,32,inf,33", 400, "bbox"),
        ("incidents", "bbox=112,32,190,33", 400, "bbox"),
        ("incidents", "bbox=113,32,112,33", 400, "bbox"),
        ("incidents", "bbox=a,b,c,d", 400, "bbox"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it_in_chinese_or_english(city, kind, query, status, field):
    client = city.client("analyst")
    query = query.replace("{district}", city.code)
    response, body = export(client, kind, "geojson", query)
    answer = json.loads(body)
    assert response.status_code == status and answer["field"] == field
    assert CJK.search(answer["detail"]), answer["detail"]
    response, body = export(client, kind, "csv", query, HTTP_ACCEPT_LANGUAGE="en")
    answer = json.loads(body)
    assert response.status_code == status and answer["field"] == field
    assert not CJK.search(answer["detail"]), answer["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_refusal_answers_in_json_whatever_the_format(city, fmt):
    response, body = export(city.client("analyst"), "incidents", fmt, "bbox=1", HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert json.loads(body)["field"] == "bbox"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_exports_need_a_login(client, kind, fmt):
    response = client.get(f"/api/v1/export/{kind}.{fmt}")
    assert response.status_code in (401, 403) and "features" not in response.content.decode()


# --- scope -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_grid_worker_exports_only_the_cases_and_grids_in_their_grid(city, cases):
    client = city.client("grid_worker")
    grid = cases["grid"].code
    in_grid = set(Incident.objects.within(grid).values_list("code", flat=True))
    assert codes(client) == in_grid and cases["a"] in in_grid
    assert cases["b"] not in in_grid and cases["c"] not in in_grid  # escalated away; another street
    assert codes(client, "grids") == {grid} == codes(client, "coverage")


@pytest.mark.django_db
def test_a_community_dispatcher_exports_the_cases_escalated_to_the_community(city, cases):
    found = codes(city.client("community_dispatcher"))
    assert {cases["a"], cases["b"]} <= found and cases["c"] not in found
    assert found == set(Incident.objects.within(cases["grid"].code[:12]).values_list("code", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_an_area_outside_the_scope_is_404(city, cases, kind):
    response, body = export(city.client("grid_worker"), kind, "geojson", f"area={cases['other'].code}")
    assert response.status_code == 404 and json.loads(body)["field"] == "area"


@pytest.mark.django_db
def test_an_account_without_areas_gets_nothing(client):
    client.force_login(get_user_model().objects.create_user("nobody", password="x-very-long-pass"))
    response, body = export(client, "incidents")
    assert response.status_code == 404 and "features" not in body.decode()


# --- residents' contacts ---------------------------------------------------------------------------


def without_contacts(found):
    return {code: {k: v for k, v in p.items() if k not in CONTACT} for code, p in found.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("username, below", [("leader", ""), ("street_dispatcher", "001"), ("admin", "")])
def test_an_export_differs_from_an_analysts_exactly_by_the_masked_contacts(city, cases, username, below):
    """grids.scopes: leaders (who supervise cases and call residents back), dispatchers and
    administrators see residents' contacts in their scope; analysts never do."""
    area = city.code + below  # the district, or its first street
    handler = features(city.client(username), query=f"area={area}")
    analyst = features(city.client("analyst"), query=f"area={area}")

    assert set(handler) == set(analyst) and cases["a"] in handler
    assert without_contacts(handler) == without_contacts(analyst)
    differing = {k for k in handler[cases["a"]] if handler[cases["a"]][k] != analyst[cases["a"]][k]}
    assert differing == CONTACT
    assert [handler[cases["a"]][k] for k in ("contact_visible", "contact_name", "contact_phone")] == [
        True,
        "张三",
        "13812345678",
    ]
    assert all(p["contact_visible"] for p in handler.values())
    assert not any(p["contact_visible"] for p in analyst.values())


@pytest.mark.django_db
def test_the_reporter_sees_the_contact_of_their_own_case_in_someone_elses_area(city, cases):
    found = features(city.client("grid_worker_2"))
    c = found[cases["c"]]
    assert (c["contact_visible"], c["contact_name"], c["contact_phone"]) == (True, "李四", "622-1234")
    assert features(city.client("analyst"))[cases["c"]]["contact_phone"] == PHONE_MASK.mask("622-1234") == "****34"


# --- streaming -------------------------------------------------------------------------------------


def open_cursors():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, is_holdable, statement FROM pg_cursors")
        return cursor.fetchall()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["geojson", "geojsonl", "csv"])
def test_the_export_streams_from_a_server_side_cursor(city, cases, fmt):
    response = city.client("analyst").get(f"/api/v1/export/incidents.{fmt}")
    assert type(response) is StreamingHttpResponse
    assert response["Content-Disposition"].startswith('attachment; filename="govgrid-incidents-')
    chunks = iter(response.streaming_content)
    first = next(chunks)
    if fmt != "geojsonl":  # the opening goes out before the query runs
        assert first.startswith(b'{"type":"FeatureCollection"' if fmt == "geojson" else "\ufeffcode,".encode())
        assert open_cursors() == []
        first = next(chunks)
    assert cases["a"].encode() in first or cases["b"].encode() in first
    (name, holdable, statement), *others = open_cursors()
    assert others == [] and not holdable and "FROM incidents_incident" in statement
    b"".join(chunks)
    assert open_cursors() == []


@pytest.mark.django_db
def test_rows_come_in_batches_from_one_cursor(city, cases):
    from exports.plan import plan_export

    plan = plan_export("incidents", {}, Scope.for_user(city.users["analyst"]))
    batches = plan.rows("geojsonl", batch=1)
    sizes = [len(next(batches))]
    assert len(open_cursors()) == 1
    sizes += [len(rows) for rows in batches]
    assert sizes == [1] * expected_count("incidents", city.users["analyst"]) and plan.count == len(sizes)


@pytest.mark.django_db
def test_a_geopackage_leaves_no_file_behind(city, cases, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = city.client("analyst").get("/api/v1/export/incidents.gpkg")
    assert type(response) is FileResponse and response["Content-Type"] == "application/geopackage+sqlite3"
    assert list(tmp_path.iterdir()) == []  # unlinked before it is sent
    assert b"".join(response.streaming_content).startswith(b"SQLite format 3\x00")


# --- the command -----------------------------------------------------------------------------------


def run_export(tmp_path, *args):
    path = tmp_path / "out"
    call_command("export_geojson", *args, "--output", str(path))
    return path


@pytest.mark.django_db
def test_the_command_writes_what_the_api_gives_the_same_account(city, cases, tmp_path):
    dispatcher = city.users["street_dispatcher"].username
    path = run_export(tmp_path, "incidents", "--format", "geojsonl", "--as-user", dispatcher)
    from_command = {f["id"]: f for f in map(json.loads, path.read_bytes().splitlines())}
    _r, body = export(city.client("street_dispatcher"), "incidents", "geojsonl")
    assert from_command == {f["id"]: f for f in map(json.loads, body.splitlines())}
    assert from_command[cases["a"]]["properties"]["contact_phone"] == "13812345678"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no partial file left beside it


@pytest.mark.django_db
def test_the_command_without_an_account_exports_every_area_masked(cases, tmp_path, tiny_city):
    path = run_export(tmp_path, "incidents", "--format", "csv")
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))}
    assert set(rows) == set(Incident.objects.values_list("code", flat=True))
    assert rows[cases["a"]]["contact_phone"] == "138****5678" and rows[cases["a"]]["contact_name"] == ""
    grids = run_export(tmp_path, "grids", "--format", "gpkg")
    assert ogrinfo(str(grids))["count"] == Area.objects.grids().count()  # the tiny city's too


@pytest.mark.django_db
def test_the_command_as_an_administrator_shows_the_contacts(city, cases, tmp_path):
    admin = city.users["admin"].username
    path = run_export(tmp_path, "incidents", "--as-user", admin, "--area", cases["grid"].code[:12])
    found = {f["id"]: f["properties"] for f in json.loads(path.read_text())["features"]}
    assert found[cases["a"]]["contact_name"] == "张三" and cases["c"] not in found


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["grids", "--status", "closed"], "--status"),
        (["incidents", "--bbox", "1,2"], "--bbox"),
        (["incidents", "--as-user", "nobody"], "nobody"),
        (["incidents", "--as-user", "{grid_worker}", "--area", "{second_street}"], "--area"),
    ],
)
def test_the_command_refuses_bad_arguments_naming_them_and_writes_nothing(city, tmp_path, args, message):
    names = {"{grid_worker}": city.users["grid_worker"].username, "{second_street}": city.streets[1].code}
    args = [names.get(arg, arg) for arg in args]
    with pytest.raises(CommandError, match=message):
        run_export(tmp_path, *args)
    assert list(tmp_path.iterdir()) == []


# --- over the network (last: the served app commits its case until the module ends) -----------------


@pytest.fixture(scope="module")
def served_city(django_db_blocker):
    """A staffed city committed for the served app (its own code and place: the other tests draw theirs)."""
    with committed_city(
        django_db_blocker,
        code="990013",
        origin=(113.00, 32.50),
        add_people=staffed_with_passwords("grid_worker", "analyst"),
    ) as city:
        yield city


def token_of(served_app, city, name):
    answer = post_json(
        served_app, "/api/v1/auth/token/", {"username": city.users[name].username, "password": DEMO_PASSWORD}
    )
    return answer[1]["token"]


@pytest.mark.django_db
def test_gdal_reads_the_streams_straight_from_the_served_app_with_a_token(served_app, served_city, forget_reports):
    city = served_city
    body = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "served", "accuracy_m": 5}
    lon, lat = inside(city.grid_of("grid_worker"))
    forget_reports.append(body["client_id"])
    worker = token_of(served_app, city, "grid_worker")
    assert post_json(served_app, "/api/v1/incidents/", body | {"lon": lon, "lat": lat}, worker)[0] == 201
    env = {"GDAL_HTTP_HEADERS": f"Authorization: Token {token_of(served_app, city, 'analyst')}"}
    expected = Incident.objects.within(city.code).count()
    base = f"{served_app}/api/v1/export"

    assert expected == 1
    assert ogrinfo(f"{base}/incidents.geojson?area={city.code}", env=env)["count"] == expected
    assert ogrinfo(f"{base}/incidents.geojsonl", env=env)["count"] == expected
    grids = expected_count("grids", city.users["analyst"])
    assert ogrinfo(f"CSV:/vsicurl_streaming/{base}/grids.csv", env=env)["count"] == grids == len(city.grids)
    refused = subprocess.run(["ogrinfo", "-ro", "-so", "-al", f"{base}/incidents.geojson"], capture_output=True)
    assert refused.returncode != 0  # no token, no data
