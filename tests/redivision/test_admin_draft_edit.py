"""The admin map's edits of a draft, as the map's script posts them: each one is a call of the
generations' services with the draft's version, refused with a 4xx that names the field in the
user's language (Chinese by default), writing nothing; only administrators edit."""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon

from grids import generations
from grids.models import Generation

pytestmark = pytest.mark.django_db


def community(city):
    return city.communities[0]


def edit_url(draft):
    return f"/admin/grids/generation/{draft.id}/map/edit/"


def post(client, draft, body, **headers):
    return client.post(edit_url(draft), json.dumps(body), content_type="application/json", **headers)


def line_down_the_middle(grid):
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    return {"type": "LineString", "coordinates": [[middle, y0 - 0.001], [middle, y1 + 0.001]]}


@pytest.fixture
def draft(staffed_city):
    return generations.start_draft(staffed_city.code)


def test_the_map_page_shows_the_community_as_the_draft_leaves_it_with_its_neighbours(staffed_city, draft):
    west, east = staffed_city.grids_of(community(staffed_city))
    generations.merge(draft.id, [west.code, east.code], "合并网格")
    page = staffed_city.client("admin").get(f"/admin/grids/generation/{draft.id}/map/")
    assert page.status_code == 200
    data = json.loads(
        page.content.decode().split('id="draft-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["community"] == community(staffed_city).code, "a draft's first changed community by default"
    assert [f["properties"]["name"] for f in data["grids"]["features"]] == ["合并网格"]
    neighbours = {f["properties"]["code"][:12] for f in data["neighbours"]["features"]}
    assert community(staffed_city).code not in neighbours and neighbours


def test_a_line_drawn_with_no_grid_ticked_splits_the_grid_it_crosses(staffed_city, draft):
    west = staffed_city.grids_of(community(staffed_city))[0]
    body = {
        "action": "split",
        "version": 1,
        "line": line_down_the_middle(west),
        "community": community(staffed_city).code,
    }
    answer = post(staffed_city.client("admin"), draft, body)
    assert answer.status_code == 200
    body = answer.json()
    assert body["version"] == 2 and len(body["made"]) == 2
    assert sorted(f["properties"]["code"] for f in body["grids"]["features"])[-2:] == body["made"]
    assert list(Generation.objects.get(pk=draft.pk).retires.values_list("code", flat=True)) == [west.code]


def test_a_line_that_crosses_no_grid_is_refused_naming_the_line_in_chinese_then_in_english(staffed_city, draft):
    west = staffed_city.grids_of(community(staffed_city))[0]
    x0, y0, _x1, _y1 = west.geom.extent
    far = {"type": "LineString", "coordinates": [[x0 - 0.01, y0 - 0.01], [x0 - 0.02, y0 - 0.02]]}
    body = {"action": "split", "version": 1, "line": far, "community": community(staffed_city).code}
    admin = staffed_city.client("admin")
    answer = post(admin, draft, body)
    assert answer.status_code == 422
    assert answer.json() == {"detail": "这条线没有穿过本社区的任何网格。", "code": "unprocessable", "field": "line"}
    english = post(admin, draft, body, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "The line crosses no grid of the community."
    assert not Generation.objects.get(pk=draft.pk).grids.exists()


def test_a_geometry_that_is_not_geojson_is_a_400_naming_it(staffed_city, draft):
    body = {"action": "carve", "version": 1, "polygon": {"type": "Polygon"}, "community": community(staffed_city).code}
    answer = post(staffed_city.client("admin"), draft, body, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and answer.json()["field"] == "polygon"
    assert answer.json()["detail"] == "polygon is not a GeoJSON geometry."
    assert post(staffed_city.client("admin"), draft, "merge").status_code == 400
    not_a_list = {"action": "merge", "version": 1, "grids": "001", "community": community(staffed_city).code}
    answer = post(staffed_city.client("admin"), draft, not_a_list, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and answer.json()["field"] == "grids"


def test_an_edit_on_a_stale_version_is_refused_with_409_and_nothing_is_written(staffed_city, draft):
    west, east = staffed_city.grids_of(community(staffed_city))
    generations.undo_community(draft.id, community(staffed_city).code)  # version 2 now
    body = {"action": "merge", "version": 1, "grids": [west.code, east.code], "community": community(staffed_city).code}
    answer = post(staffed_city.client("admin"), draft, body)
    assert answer.status_code == 409 and answer.json()["field"] == "version"
    assert "草稿在读取后已被修改" in answer.json()["detail"]
    assert not Generation.objects.get(pk=draft.pk).grids.exists()


def test_an_area_given_to_the_ticked_grid_moves_their_shared_border(staffed_city, draft):
    west, east = staffed_city.grids_of(community(staffed_city))
    x0, y0, x1, y1 = east.geom.extent
    strip = Polygon.from_bbox((x0, y0, x0 + (x1 - x0) / 4, y1))  # the western quarter of the east grid
    body = {"action": "carve", "version": 1, "polygon": json.loads(strip.json), "into": west.code,
            "community": community(staffed_city).code}  # fmt: skip
    answer = post(staffed_city.client("admin"), draft, body)
    assert answer.status_code == 200, answer.json()
    grown, shrunk = Generation.objects.get(pk=draft.pk).grids.order_by("code")
    assert grown.households == 100 + 25 and shrunk.households == 75
    assert grown.geom.area == pytest.approx(1.25 * west.geom.area)
    assert generations.check(draft.id) == []


def test_undo_drops_the_draft_s_changes_in_the_community(staffed_city, draft):
    west = staffed_city.grids_of(community(staffed_city))[0]
    generations.split(draft.id, west.code, GEOSGeometry(json.dumps(line_down_the_middle(west))))
    answer = post(
        staffed_city.client("admin"), draft, {"action": "undo", "version": 2, "community": community(staffed_city).code}
    )
    assert answer.status_code == 200
    draft = Generation.objects.get(pk=draft.pk)
    assert not draft.grids.exists() and not draft.retires.exists()
    assert [f["properties"]["code"] for f in answer.json()["grids"]["features"]] == [
        g.code for g in staffed_city.grids_of(community(staffed_city))
    ]


def test_only_administrators_open_or_post_to_the_draft_map(staffed_city, draft):
    leader = staffed_city.users["leader"]
    leader.is_staff = True  # staff, so the admin lets them in: the draft map still refuses them
    leader.save()
    client = staffed_city.client("leader")
    assert client.get(f"/admin/grids/generation/{draft.id}/map/").status_code == 403
    answer = post(client, draft, {"action": "undo", "version": 1, "community": community(staffed_city).code})
    assert answer.status_code == 403
    worker = staffed_city.client("grid_worker")  # not staff: sent to the admin's login
    assert worker.get(f"/admin/grids/generation/{draft.id}/map/").status_code == 302
    assert Generation.objects.get(pk=draft.pk).version == 1


def test_the_generation_s_admin_page_links_its_page_and_its_map(staffed_city, draft):
    page = staffed_city.client("admin").get(f"/admin/grids/generation/{draft.id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/redivision/{draft.id}/"' in html and f'href="/admin/grids/generation/{draft.id}/map/"' in html
