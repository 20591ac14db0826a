"""The network-fusion API: an administrator uploads a layer (a dry run, then committed), the
district's readers get the overlap report in JSON and CSV and place cells and figures, others get
404 or 403, and bad input is a 4xx naming the field, in Chinese by default and English on request."""

import csv
import io
import zipfile

import pytest

from networks.models import NetworkLayer
from tests.conftest import DRAWN_DISTRICT

from .conftest import CUT, GRID_00, GRID_10, GRID_20, IN, features, ogr2ogr, write_geojson

LAYERS = "/api/v1/networks/layers/"


def upload(client, path, **fields):
    with open(path, "rb") as handle:
        form = {"file": handle, "name": "党建网格", "kind": "party_building", "district": DRAWN_DISTRICT,
                "code_field": "cell_no", "name_field": "cell_name"} | fields  # fmt: skip
        return client.post(LAYERS, {k: v for k, v in form.items() if v is not None})


@pytest.fixture
def admin(staffed_city):
    return staffed_city.client("admin")


@pytest.fixture
def layer(admin, gcj02_file):
    answer = upload(admin, gcj02_file, srs="gcj02", commit="true")
    assert answer.status_code == 201, answer.content
    return NetworkLayer.objects.get(pk=answer.json()["layer"]["id"])


def test_an_upload_is_a_dry_run_that_names_the_cutting_cell(admin, gcj02_file):
    answer = upload(admin, gcj02_file, srs="gcj02")
    assert answer.status_code == 200
    body = answer.json()
    assert body["committed"] is False and body["layer"]["id"] is None and NetworkLayer.objects.count() == 0
    cut = next(c for c in body["overlap"]["cells"] if c["code"] == CUT[0])
    assert cut["cuts_across"] and {g["grid"] for g in cut["grids"]} == {GRID_00, GRID_10}
    assert all(80_000 < g["m2"] < 86_000 and g["share"] == pytest.approx(0.5, abs=1e-3) for g in cut["grids"])


def test_a_zipped_shapefile_in_a_projected_crs_is_uploaded(admin, tmp_path, projected_file):
    (tmp_path / "shp").mkdir()
    ogr2ogr("-f", "ESRI Shapefile", tmp_path / "shp" / "party.shp", projected_file)
    archive = tmp_path / "party.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in (tmp_path / "shp").iterdir():
            z.write(part, part.name)
    answer = upload(admin, archive, commit="true")
    assert answer.status_code == 201 and answer.json()["layer"]["srs"] == "EPSG:4547"
    assert answer.json()["overlap"]["summary"] == {"cells": 3, "cutting": 1, "outside": 1, "accepted": 0}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"srs": "mars"}, "srs", "坐标"),
        ({"district": "990099"}, "district", "990099"),
        ({"kind": "pastoral"}, "kind", None),
        ({"code_field": "nope"}, "code_field", "nope"),
        ({"name": ""}, "name", None),
    ],
)
def test_bad_upload_fields_are_refused_naming_the_field(admin, gcj02_file, fields, field, words):
    answer = upload(admin, gcj02_file, **({"srs": "gcj02"} | fields))
    assert answer.status_code == 400 and answer.json()["field"] == field
    assert words is None or words in answer.json()["detail"]
    assert NetworkLayer.objects.count() == 0


def test_a_file_that_is_not_gis_is_refused_in_english_on_request(admin, tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("meeting notes")
    with open(path, "rb") as handle:
        answer = admin.post(
            LAYERS, {"file": handle, "name": "x", "kind": "other", "district": DRAWN_DISTRICT},
            HTTP_ACCEPT_LANGUAGE="en",
        )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["field"] == "file"
    assert answer.json()["detail"].startswith("Cannot read the file")


def test_an_invalid_geometry_is_refused_with_the_feature_named(admin, tmp_path):
    bowtie = features()
    crossed = [[112.6, 32.5], [112.61, 32.51], [112.61, 32.5], [112.6, 32.51], [112.6, 32.5]]
    bowtie[0]["geometry"]["coordinates"] = [crossed]
    answer = upload(admin, write_geojson(tmp_path / "bad.geojson", bowtie))
    assert answer.status_code == 400 and answer.json()["field"] == "file"
    assert any(CUT[0] in p for p in answer.json()["problems"])


def test_only_an_administrator_imports(staffed_city, gcj02_file):
    answer = upload(staffed_city.client("leader"), gcj02_file, srs="gcj02", commit="true")
    assert answer.status_code == 403 and NetworkLayer.objects.count() == 0


def test_the_districts_reader_gets_the_report_and_others_get_404(staffed_city, layer):
    leader = staffed_city.client("leader")
    assert [row["id"] for row in leader.get(LAYERS).json()] == [layer.pk]
    report = leader.get(f"{LAYERS}{layer.pk}/overlap/").json()
    assert report["summary"]["cutting"] == 1
    assert [g["grid"] for g in report["grids"]] == sorted([GRID_00, GRID_10, GRID_20, "990003001002001"])
    street = staffed_city.client("street_dispatcher")
    assert street.get(LAYERS).json() == []
    assert street.get(f"{LAYERS}{layer.pk}/overlap/").status_code == 404


def test_the_report_as_csv_has_a_row_per_piece(staffed_city, layer):
    answer = staffed_city.client("leader").get(f"{LAYERS}{layer.pk}/overlap.csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    cut = [r for r in rows if r["cell"] == CUT[0]]
    assert {r["grid"] for r in cut} == {GRID_00, GRID_10} and all(r["cuts_across"] == "1" for r in cut)
    assert [r["grid"] for r in rows if r["cell"] == "A-03"][-1] == ""  # the part outside every grid


def test_a_bad_as_of_or_tolerance_is_refused_naming_it(staffed_city, layer):
    leader = staffed_city.client("leader")
    assert leader.get(f"{LAYERS}{layer.pk}/overlap/?as_of=yesterday").json()["field"] == "as_of"
    assert leader.get(f"{LAYERS}{layer.pk}/overlap/?tolerance_m2=-1").json()["field"] == "tolerance_m2"


def test_an_accepted_mapping_places_a_cell_and_its_figures(staffed_city, admin, layer):
    leader = staffed_city.client("leader")
    place = f"{LAYERS}{layer.pk}/place/?cell={IN[0]}"
    assert leader.get(place).status_code == 422
    assert leader.post(f"{LAYERS}{layer.pk}/accept-defaults/").status_code == 403
    assert admin.post(f"{LAYERS}{layer.pk}/accept-defaults/").json() == {"accepted": 3, "unplaced": []}
    assert leader.get(place).json()["grid"] == GRID_20
    moved = admin.post(
        f"{LAYERS}{layer.pk}/cells/{CUT[0]}/mapping/", {"grid": GRID_10}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["grid"] == GRID_10
    figures = leader.post(f"{LAYERS}{layer.pk}/figures/", {CUT[0]: 7, IN[0]: 2}, content_type="application/json")
    assert figures.json()["grids"] == {GRID_10: 7.0, GRID_20: 2.0}


def test_setting_a_mapping_with_neither_grid_nor_split_is_refused(admin, layer):
    answer = admin.post(f"{LAYERS}{layer.pk}/cells/{CUT[0]}/mapping/", {}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["field"] == "grid"
    missing = admin.post(f"{LAYERS}{layer.pk}/cells/Z-9/mapping/", {"split": True}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["field"] == "cell"
