import json
import subprocess

import geopandas
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from govgrid.lib import coords
from grids.importing import FieldMap, ImportRefused, import_areas, read_source
from grids.models import Area, GridKind

# A small city of its own, 990002, west of the tiny city: a district split into two streets.
X, Y, W = 111.90, 32.70, 0.02


def box(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def feature(code, name, rings, **props):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def city_features(street_split=X + W / 2, east_street=None):
    return [
        feature("990002", "试验区", box(X, Y, X + W, Y + W)),
        feature("990002001", "西街道", box(X, Y, street_split, Y + W)),
        feature("990002002", "东街道", east_street or box(X + W / 2, Y, X + W, Y + W)),
    ]


def write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *map(str, args)], check=True, capture_output=True)


def written():
    return sorted(Area.objects.within("990002").values_list("code", flat=True))


@pytest.fixture
def city_file(tmp_path):
    return write_geojson(tmp_path / "city.geojson", city_features())


def test_a_dry_run_checks_everything_and_writes_nothing(db, city_file):
    report = import_areas(read_source(city_file))
    assert report.committed is False
    assert report.created == {"district": 1, "street": 2}
    assert written() == []


def test_commit_writes_every_area_with_its_parent(db, city_file):
    report = import_areas(read_source(city_file), commit=True)
    assert report.committed and report.total == 3
    west = Area.objects.get(code="990002001")
    assert (west.level, west.parent.code, west.name) == ("street", "990002", "西街道")
    assert west.geom.geom_type == "MultiPolygon" and west.geom.srid == 4326


def test_a_second_import_updates_areas_in_place(db, tmp_path, city_file):
    import_areas(read_source(city_file), commit=True)
    renamed = city_features()
    renamed[1]["properties"]["name"] = "新西街道"
    report = import_areas(read_source(write_geojson(tmp_path / "again.geojson", renamed)), commit=True)
    assert report.updated == {"district": 1, "street": 2} and report.created == {}
    assert Area.objects.get(code="990002001").name == "新西街道"


def test_a_geopackage_is_read_through_gdal(db, tmp_path, city_file):
    ogr2ogr("-f", "GPKG", tmp_path / "city.gpkg", city_file)
    import_areas(read_source(tmp_path / "city.gpkg"), commit=True)
    assert written() == ["990002", "990002001", "990002002"]


def test_a_shapefile_in_web_mercator_is_converted_to_wgs84(db, tmp_path, city_file):
    ogr2ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:3857", tmp_path / "city.shp", city_file)
    import_areas(read_source(tmp_path / "city.shp"), commit=True)
    west = Area.objects.get(code="990002001")
    assert west.geom.extent == pytest.approx((X, Y, X + W / 2, Y + W), abs=1e-9)


def test_gcj02_input_lands_within_a_millimetre_of_its_wgs84_origin(db, tmp_path):
    def to_gcj(rings):
        xy = np.array(rings[0])
        lon, lat = coords.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return [np.column_stack([lon, lat]).tolist()]

    shifted = [
        feature(f["properties"]["code"], f["properties"]["name"], to_gcj(f["geometry"]["coordinates"]))
        for f in city_features()
    ]
    path = write_geojson(tmp_path / "gcj.geojson", shifted)
    import_areas(read_source(path, srs="gcj02"), commit=True)
    stored = np.array(Area.objects.get(code="990002").geom.coords[0][0])
    assert np.abs(stored - np.array(box(X, Y, X + W, Y + W)[0])).max() < 1e-8  # 1e-8° ≈ 1 mm


def test_bd09_input_is_converted_too(db, tmp_path):
    lon, lat = coords.wgs84_to_bd09(np.array([X, X + W, X + W, X, X]), np.array([Y, Y, Y + W, Y + W, Y]))
    path = write_geojson(tmp_path / "bd.geojson", [feature("990002", "试验区", [np.column_stack([lon, lat]).tolist()])])
    import_areas(read_source(path, srs="bd09"), commit=True)
    assert Area.objects.get(code="990002").geom.extent == pytest.approx((X, Y, X + W, Y + W), abs=1e-8)


def test_fields_are_mapped_from_the_source_names(db, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"adcode": 990002, "mc": "试验区"},
            "geometry": {"type": "Polygon", "coordinates": box(X, Y, X + W, Y + W)},
        }
    ]
    path = write_geojson(tmp_path / "mapped.geojson", features)
    import_areas(read_source(path, FieldMap(code="adcode", name="mc")), commit=True)
    assert Area.objects.get(code="990002").name == "试验区"


def refusal(records_or_path, **kwargs):
    """The problems an import is refused with; asserts nothing was written."""
    with pytest.raises(ImportRefused) as refused:
        records = records_or_path if isinstance(records_or_path, list) else read_source(records_or_path, **kwargs)
        import_areas(records, commit=True)
    assert written() == []
    return "\n".join(map(str, refused.value.problems))


def test_overlapping_siblings_are_refused_naming_both(db, tmp_path):
    path = write_geojson(tmp_path / "overlap.geojson", city_features(street_split=X + W * 0.6))
    message = refusal(path)
    assert "990002001 / 990002002" in message and "重叠" in message  # 重叠: overlap


def test_a_gap_between_siblings_is_refused_naming_the_parent(db, tmp_path):
    path = write_geojson(tmp_path / "gap.geojson", city_features(street_split=X + W * 0.4))
    message = refusal(path)
    assert message.startswith("990002：") and "缝隙" in message  # 缝隙: gap


def test_a_self_intersecting_boundary_is_refused_naming_the_feature(db, tmp_path):
    bowtie = [[[X + W / 2, Y], [X + W, Y + W], [X + W, Y], [X + W / 2, Y + W], [X + W / 2, Y]]]
    path = write_geojson(tmp_path / "bowtie.geojson", city_features(east_street=bowtie))
    message = refusal(path)
    assert "990002002" in message and "自相交" in message  # 自相交: self-intersection


def test_a_child_without_its_parent_is_refused(db, tmp_path):
    path = write_geojson(tmp_path / "orphan.geojson", [feature("990002001", "西街道", box(X, Y, X + W / 2, Y + W))])
    assert "990002" in refusal(path)


def test_a_code_that_is_not_an_area_code_is_refused(db, tmp_path):
    path = write_geojson(tmp_path / "bad.geojson", [feature("99000A", "试验区", box(X, Y, X + W, Y + W))])
    assert "99000A" in refusal(path)


def test_a_level_that_contradicts_the_code_is_refused(db, tmp_path):
    features = [feature("990002", "试验区", box(X, Y, X + W, Y + W), level="street")]
    path = write_geojson(tmp_path / "level.geojson", features)
    assert "street" in refusal(path, fields=FieldMap(level="level"))


def test_an_unknown_crs_is_refused(db, city_file):
    for srs in ("EPSG:999999", "mars"):
        with pytest.raises(ImportRefused) as refused:
            read_source(city_file, srs=srs)
        assert srs in refused.value.problems[0]


def test_a_shapefile_without_a_crs_is_refused_until_one_is_given(db, tmp_path, city_file):
    ogr2ogr("-f", "ESRI Shapefile", tmp_path / "nocrs.shp", city_file)
    (tmp_path / "nocrs.prj").unlink()
    with pytest.raises(ImportRefused):
        read_source(tmp_path / "nocrs.shp")
    assert len(read_source(tmp_path / "nocrs.shp", srs="4326")) == 3


def test_a_missing_source_field_is_named(db, city_file):
    with pytest.raises(ImportRefused) as refused:
        read_source(city_file, FieldMap(code="adcode"))
    assert "adcode" in str(refused.value.problems[0])


def test_the_command_is_a_dry_run_unless_told_to_commit(db, city_file, capsys):
    call_command("import_areas", str(city_file))
    assert written() == []
    call_command("import_areas", str(city_file), "--commit")
    assert written() == ["990002", "990002001", "990002002"]


def test_the_command_turns_a_refusal_into_an_error_listing_the_problems(db, tmp_path):
    path = write_geojson(tmp_path / "overlap.geojson", city_features(street_split=X + W * 0.6))
    with pytest.raises(CommandError, match="990002001 / 990002002"):
        call_command("import_areas", str(path), "--commit")
    assert written() == []


def test_heights_are_dropped_and_the_area_is_stored_flat(db, tmp_path):
    ring = [[x, y, 85.0] for x, y in box(X, Y, X + W, Y + W)[0]]
    path = write_geojson(tmp_path / "3d.geojson", [feature("990002", "试验区", [ring])])
    import_areas(read_source(path), commit=True)
    assert Area.objects.get(code="990002").geom.hasz is False


@pytest.mark.parametrize("srs", [None, "gcj02"])
def test_a_feature_without_geometry_is_refused_by_name(db, tmp_path, srs):
    features = [
        {"type": "Feature", "properties": {"code": "990002", "name": "试验区"}, "geometry": None},
        {
            "type": "Feature",
            "properties": {"code": "990002001", "name": "西街道"},
            "geometry": {"type": "Polygon", "coordinates": []},
        },
    ]
    path = write_geojson(tmp_path / "empty.geojson", features)
    with pytest.raises(ImportRefused) as refused:
        read_source(path, srs=srs)
    problems = "\n".join(refused.value.problems)
    assert "990002）" in problems and "990002001" in problems
    assert written() == []


def test_coordinates_outside_lon_lat_range_are_refused_with_a_hint(db, tmp_path, city_file):
    ogr2ogr("-f", "GeoJSON", "-t_srs", "EPSG:3857", "-lco", "RFC7946=NO", tmp_path / "merc.geojson", city_file)
    with pytest.raises(ImportRefused) as refused:
        # The file says EPSG:3857; forcing --srs 4326 on it contradicts the file and is refused.
        read_source(tmp_path / "merc.geojson", srs="4326")
    assert "3857" in refused.value.problems[0]
    mislabelled = [feature("990002", "试验区", box(12_400_000, 3_850_000, 12_402_000, 3_852_000))]
    message = refusal(write_geojson(tmp_path / "mislabelled.geojson", mislabelled))
    assert "--srs" in message and "990002" in message


def test_a_reimport_without_grid_fields_keeps_kind_households_and_population(drawn_city, tmp_path):
    community = drawn_city.communities[0]
    grid = drawn_city.grids_of(community)[1]
    Area.objects.filter(pk=grid.pk).update(kind=GridKind.SCHOOL, households=37, population=91)
    before = (GridKind.SCHOOL, 37, 91)
    features = [
        {"type": "Feature", "properties": {"code": g.code, "name": g.name}, "geometry": json.loads(g.geom.geojson)}
        for g in Area.objects.filter(parent=community)
    ]
    import_areas(read_source(write_geojson(tmp_path / "grids.geojson", features)), commit=True)
    grid.refresh_from_db()
    assert (grid.kind, grid.households, grid.population) == before


def test_a_fractional_household_count_is_refused(db, tmp_path):
    features = [feature("990002", "试验区", box(X, Y, X + W, Y + W), households=12.7)]
    path = write_geojson(tmp_path / "frac.geojson", features)
    assert "12.7" in refusal(path, fields=FieldMap(households="households"))


def test_the_file_crs_is_used_when_it_matches_no_epsg_code(db, tmp_path, city_file):
    custom = "+proj=tmerc +lat_0=0 +lon_0=111.9 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    ogr2ogr("-f", "ESRI Shapefile", "-t_srs", custom, tmp_path / "custom.shp", city_file)
    import_areas(read_source(tmp_path / "custom.shp"), commit=True)
    assert Area.objects.get(code="990002001").geom.extent == pytest.approx((X, Y, X + W / 2, Y + W), abs=1e-8)


def test_a_cgcs2000_geopackage_written_by_geopandas_is_read(db, tmp_path, city_file):
    frame = geopandas.read_file(city_file).set_crs(4490, allow_override=True)
    frame.to_file(tmp_path / "cgcs2000.gpkg", driver="GPKG")
    import_areas(read_source(tmp_path / "cgcs2000.gpkg"), commit=True)
    assert written() == ["990002", "990002001", "990002002"]
