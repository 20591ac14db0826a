"""The areas API: lists, one area, the lookup of a point, and their refusals, for the leader of a
small drawn city (tests/grids/cast.py)."""

import pytest

from govgrid.lib import coords
from grids.models import Area

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client(cast):
    """The leader sees the whole drawn district: these tests are about the API, not scope."""
    return cast.client("leader")


@pytest.fixture
def a_grid(cast):
    """A grid of the drawn city (not the first) and a point well inside it (WGS84)."""
    grid = cast.grids[1]
    inside = grid.geom.point_on_surface
    return grid, (inside.x, inside.y)


def test_the_list_is_a_geojson_feature_collection_filtered_by_level_and_within(client, cast):
    street = cast.streets[0].code
    body = client.get("/api/v1/areas/", {"level": "grid", "within": street}).json()
    assert body["type"] == "FeatureCollection"
    expected = Area.objects.within(street).grids().count()
    assert body["count"] == expected == len(body["features"]) > 0
    first = body["features"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "MultiPolygon"
    assert first["id"].startswith(street) and first["properties"]["level"] == "grid"
    assert set(first["properties"]) >= {"code", "name", "parent", "kind", "households", "population"}


def test_the_whole_demo_district_comes_in_one_page(login):
    # On the demo: the default page (1000 areas) is sized for a city like the demo's. Counted, not
    # written here, so the test holds whatever size the demo generator gives the city.
    expected = Area.objects.within("411381").grids().count()
    body = login("leader").get("/api/v1/areas/", {"level": "grid", "within": "411381"}).json()
    assert body["count"] == len(body["features"]) == expected > 1 and body["next"] is None


def test_a_smaller_page_size_pages_through_every_grid_once(staffed_city):
    # The drawn city's 12 grids in pages of 5: 5, 5 and 2, each page pointing at the next.
    drawn_city = staffed_city
    seen, page, url = [], 0, f"/api/v1/areas/?level=grid&within={drawn_city.code}&page_size=5"
    client = drawn_city.client("admin")
    while url:
        body = client.get(url).json()
        assert body["count"] == 12
        seen += [feature["id"] for feature in body["features"]]
        url, page = body["next"], page + 1
    assert page == 3
    assert seen == sorted(drawn_city.grid_codes())


def test_a_drawn_city_tiles_its_district_with_no_gap_and_no_overlap(drawn_city):
    from grids.validation import validate_area

    assert validate_area(drawn_city.code) == []
    assert [len(drawn_city.grids), len(drawn_city.communities)] == [12, 6]
    assert [s.code[-3:] for s in drawn_city.urban_streets] + [t.code[-3:] for t in drawn_city.towns] == [
        "001",
        "002",
        "101",
    ]


def test_bad_filters_are_refused_naming_each_field_in_chinese_by_default(client):
    response = client.get("/api/v1/areas/", {"level": "village", "within": "41"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"level", "within"}
    assert body["code"] == "invalid" and body["field"] in body["errors"]
    assert "不是合法选项" in body["errors"]["level"][0]
    assert "6、9、12 或 15 位" in body["errors"]["within"][0]
    assert body["detail"].startswith(body["field"] + ": ")


def test_bad_filters_are_explained_in_english_on_request(client):
    body = client.get("/api/v1/areas/", {"within": "41"}, **EN).json()
    assert body["detail"] == "within: An area code is 6, 9, 12 or 15 digits."


def test_within_an_unknown_area_is_404(client, cast):
    response = client.get("/api/v1/areas/", {"within": f"{cast.code}999"})
    assert response.status_code == 404 and response.json()["field"] == "within"


def test_one_area_comes_with_its_chain_and_number_of_children(client, a_grid):
    grid, _ = a_grid
    body = client.get(f"/api/v1/areas/{grid.parent.code}/").json()
    assert body["id"] == grid.parent.code
    assert [c["level"] for c in body["properties"]["chain"]] == ["community", "street", "district"]
    assert body["properties"]["children"] == Area.objects.filter(parent=grid.parent).count()


def test_an_unknown_area_is_404_with_a_message(client, cast):
    response = client.get(f"/api/v1/areas/{cast.code}999999/")
    assert response.status_code == 404
    assert f"{cast.code}999999" in response.json()["detail"]


def test_lookup_returns_the_chain_from_grid_to_district(client, cast, a_grid):
    grid, (lon, lat) = a_grid
    body = client.get("/api/v1/areas/lookup/", {"lon": lon, "lat": lat}).json()
    assert body["grid"]["code"] == grid.code
    assert body["community"]["code"] == grid.code[:12]
    assert body["street"]["code"] == grid.code[:9]
    assert body["district"] == {"code": cast.code, "name": cast.district.name}
    assert [c["code"] for c in body["chain"]] == [grid.code, grid.code[:12], grid.code[:9], cast.code]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_lookup_converts_a_shifted_point_back_to_the_same_grid(client, a_grid, crs):
    grid, (lon, lat) = a_grid
    shifted = coords.from_wgs84(lon, lat, crs)
    body = client.get("/api/v1/areas/lookup/", {"lon": shifted[0], "lat": shifted[1], "crs": crs}).json()
    assert body["grid"]["code"] == grid.code
    assert body["wgs84"] == pytest.approx([lon, lat], abs=1e-7)
    assert body["input"] == {"lon": shifted[0], "lat": shifted[1], "crs": crs}


def test_a_gcj02_point_read_as_wgs84_lands_elsewhere(client, a_grid):
    # The reason crs matters: the same numbers ~600 m away are usually another grid.
    grid, (lon, lat) = a_grid
    shifted = coords.wgs84_to_gcj02(lon, lat)
    body = client.get("/api/v1/areas/lookup/", {"lon": shifted[0], "lat": shifted[1]}).json()
    assert body.get("grid", {}).get("code") != grid.code


def test_a_point_outside_every_grid_is_404_naming_the_nearest_grid(client, cast):
    # North-west of the drawn city, some 20 km from it: its west grid is the nearest one the
    # leader sees.
    response = client.get("/api/v1/areas/lookup/", {"lon": 112.5, "lat": 32.7})
    assert response.status_code == 404
    body = response.json()
    assert "不在任何网格内" in body["detail"]
    assert body["nearest_grid"] == cast.grids[0].code and 20_000 < body["distance_m"] < 30_000


def test_a_point_outside_is_explained_in_english_on_request(client):
    body = client.get("/api/v1/areas/lookup/", {"lon": 112.5, "lat": 32.7}, **EN).json()
    assert "is not inside any grid" in body["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 32.7}, "lon"),
        ({"lon": "east", "lat": 32.7}, "lon"),
        ({"lon": 112, "lat": 95}, "lat"),
        ({"lon": 112, "lat": 32.7, "crs": "mars"}, "crs"),
    ],
)
def test_bad_lookup_parameters_are_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/areas/lookup/", params)
    assert response.status_code == 400
    assert response.json()["field"] == field and list(response.json()["errors"]) == [field]


def test_a_wrong_token_from_a_phone_is_401_not_a_server_error(db):
    from django.test import Client

    response = Client().get("/api/v1/areas/lookup/", {"lon": 112.5, "lat": 32.7}, HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_unknown_api_address_answers_json_not_html(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_an_unknown_page_answers_a_translated_page(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
