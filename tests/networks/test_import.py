"""Importing another network's cells: GCJ-02 and projected files land on the drawn city within a
millimetre, the file's other fields are kept, a dry run writes nothing, and a bad file, an unknown
coordinate system, an empty layer or an invalid geometry is refused naming the field."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from networks.importing import import_layer
from networks.models import NetworkCell, NetworkLayer
from networks.reading import NetworkRefused, read_cells
from tests.conftest import DRAWN_DISTRICT

from .conftest import CUT, features, ogr2ogr, ring, write_geojson

FIELDS = {"code_field": "cell_no", "name_field": "cell_name"}


def stored_ring(code):
    return np.array(NetworkCell.objects.get(code=code).geom.coords[0][0])


def test_a_gcj02_file_lands_within_a_millimetre_of_the_drawn_cells(drawn_city, gcj02_file):
    source = read_cells(gcj02_file, srs="gcj02", **FIELDS)
    result = import_layer(source, DRAWN_DISTRICT, "党建网格", "party_building", commit=True)
    assert result.committed and result.layer.cell_count == 3 and result.layer.srs == "gcj02"
    assert np.abs(stored_ring("A-01") - np.array(ring(*CUT[2]))).max() < 1e-8  # 1e-8° ≈ 1 mm
    cell = NetworkCell.objects.get(code="A-01")
    assert cell.name == "党建一格" and cell.properties == {"owner": "区委组织部", "households": 120}


def test_a_projected_geopackage_is_read_in_its_own_crs(drawn_city, projected_file):
    source = read_cells(projected_file, **FIELDS)
    assert source.srs == "EPSG:4547" and len(source.cells) == 3
    import_layer(source, DRAWN_DISTRICT, "党建网格", "party_building", commit=True)
    assert np.abs(stored_ring("A-01") - np.array(ring(*CUT[2]))).max() < 1e-8


def test_a_shapefile_in_a_projected_crs_is_read_too(drawn_city, tmp_path, projected_file):
    ogr2ogr("-f", "ESRI Shapefile", tmp_path / "party.shp", projected_file)
    source = read_cells(tmp_path / "party.shp", **FIELDS)
    assert sorted(c.code for c in source.cells) == ["A-01", "A-02", "A-03"]


def test_a_dry_run_reports_the_overlap_and_writes_nothing(drawn_city, gcj02_file):
    result = import_layer(read_cells(gcj02_file, srs="gcj02", **FIELDS), DRAWN_DISTRICT, "党建", "party_building")
    assert result.committed is False and [c.code for c in result.overlap.cutting] == ["A-01"]
    assert NetworkLayer.objects.count() == 0 and NetworkCell.objects.count() == 0


def test_the_command_is_a_dry_run_unless_commit(drawn_city, gcj02_file, capsys):
    args = [str(gcj02_file), "--district", DRAWN_DISTRICT, "--name", "党建网格", "--kind", "party_building",
            "--srs", "gcj02", "--code-field", "cell_no", "--name-field", "cell_name"]  # fmt: skip
    call_command("import_network", *args)
    printed = capsys.readouterr().out
    assert "A-01" in printed and "m²" in printed and NetworkLayer.objects.count() == 0
    call_command("import_network", *args, "--commit")
    assert NetworkLayer.objects.get().cells.count() == 3


def test_the_command_names_the_refused_field(drawn_city, gcj02_file):
    with pytest.raises(CommandError, match="srs"):
        call_command("import_network", str(gcj02_file), "--district", DRAWN_DISTRICT, "--name", "x",
                     "--kind", "other", "--srs", "mars", "--code-field", "cell_no")  # fmt: skip


@pytest.mark.parametrize(
    ("make", "options", "field"),
    [
        (lambda p: p.write_text("not a GIS file") or p, {}, "file"),
        (lambda p: write_geojson(p, features()), {"srs": "EPSG:999999"}, "srs"),
        (lambda p: write_geojson(p, []), {}, "file"),
        (lambda p: write_geojson(p, features()), {"code_field": "nope"}, "code_field"),
    ],
    ids=["not-gis", "unknown-crs", "empty-layer", "missing-code-field"],
)
def test_a_bad_source_is_refused_naming_the_field(db, tmp_path, make, options, field):
    path = make(tmp_path / "bad.geojson")
    with pytest.raises(NetworkRefused) as refused:
        read_cells(path, **({"code_field": "cell_no"} | options))
    assert refused.value.field == field


def test_an_invalid_geometry_is_refused_naming_the_feature(db, tmp_path):
    bowtie = features()
    crossed = [[112.6, 32.5], [112.61, 32.51], [112.61, 32.5], [112.6, 32.51], [112.6, 32.5]]
    bowtie[1]["geometry"]["coordinates"] = [crossed]
    with pytest.raises(NetworkRefused) as refused:
        read_cells(write_geojson(tmp_path / "bowtie.geojson", bowtie), code_field="cell_no")
    assert refused.value.field == "file"
    assert any("A-02" in p and "自相交" in p for p in refused.value.extra["problems"])


def test_an_unknown_district_or_kind_is_refused(drawn_city, gcj02_file):
    source = read_cells(gcj02_file, srs="gcj02", **FIELDS)
    with pytest.raises(NetworkRefused) as refused:
        import_layer(source, "990099", "党建", "party_building")
    assert refused.value.field == "district"
    with pytest.raises(NetworkRefused) as refused:
        import_layer(source, DRAWN_DISTRICT, "党建", "pastoral")
    assert refused.value.field == "kind"
