"""Editing a grid's boundary in the admin, through the change form as the map widget posts it
(JSON.stringify of a MultiPolygon): a boundary posted back unchanged, or only rounded, leaves
everything as stored; ticking neighbours moves the shared border with them in one save, with the
topology check over the result; a move that reaches into a grid not ticked is refused and nothing is
written.

The grids are a drawn city's squares: one street, two communities stacked south to north, each two
rows of three grids (numbered row by row from the south-west corner):

    community 002   004 005 006
                    001 002 003   ← NORTH is its 002
    community 001   004 005 006   ← SOUTH is its 005, THIRD is its 005
                    001 002 003   ← NEIGHBOUR 001, GRID 002, FAR_SIDE 003
"""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon
from django.urls import reverse
from django.utils import translation

from grids.models import Area
from grids.validation import validate_area
from tests.conftest import DRAWN_DISTRICT, draw_city

STREET = f"{DRAWN_DISTRICT}001"
COMMUNITY = f"{STREET}001"
GRID = f"{COMMUNITY}002"
NEIGHBOUR = f"{COMMUNITY}001"  # west of GRID, a whole side of border with it
THIRD = f"{COMMUNITY}005"  # north of GRID, another neighbour
FAR_SIDE = f"{COMMUNITY}003"  # east of GRID, on the other side of GRID from NEIGHBOUR
# Two grids of one street in different communities, with a whole side of border between them.
SOUTH, NORTH = f"{COMMUNITY}005", f"{STREET}002002"

STRIP = 0.0003  # degrees, about 30 m


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request in English leaves English active in this thread: later tests expect the default."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def city(db):
    return draw_city(streets=1, towns=0, communities=2, grids=(2, 3))


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser(f"{DRAWN_DISTRICT}_admin")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def widget_json(geom, decimals=None):
    """The boundary as the admin map posts it: compact JSON, coordinates at full precision (or
    rounded, as django-leaflet's own store did with its DEFAULT_PRECISION of 6)."""

    def coords(value):
        if isinstance(value, float):
            return value if decimals is None else round(value, decimals)
        return [coords(v) for v in value]

    return json.dumps({"type": "MultiPolygon", "coordinates": coords(geom.coords)}, separators=(",", ":"))


def post_boundary(client, area, geom_json, move_with=()):
    data = {
        "name": area.name,
        "geom": geom_json,
        "kind": area.kind,
        "households": "" if area.households is None else area.households,
        "population": "" if area.population is None else area.population,
        "move_border_with": [n.pk for n in move_with],
        "_save": "Save",
    }
    return client.post(reverse("admin:grids_area_change", args=[area.pk]), data)


def geom_errors(response):
    assert response.status_code == 200, "the form should be shown again, not saved"
    return [str(e) for e in response.context["adminform"].form.errors.get("geom", [])]


def multipolygon(geom):
    return geom if geom.geom_type == "MultiPolygon" else MultiPolygon(geom, srid=geom.srid)


def stored(*codes):
    """{code: (EWKB bytes, updated_at)} as the database holds them now."""
    return {a.code: (bytes(a.geom.ewkb), a.updated_at) for a in Area.objects.filter(code__in=codes)}


@pytest.mark.django_db
def test_a_boundary_rounded_to_six_decimals_is_saved_as_the_stored_one_and_nothing_is_written(admin_client):
    grid = Area.objects.get(code=GRID)
    before = stored(GRID, COMMUNITY)
    log_entries = LogEntry.objects.count()

    response = post_boundary(admin_client, grid, widget_json(grid.geom, decimals=6))

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert stored(GRID, COMMUNITY) == before  # byte for byte, and not even touched
    assert LogEntry.objects.count() == log_entries


@pytest.mark.django_db
def test_a_boundary_posted_back_at_full_precision_writes_nothing(admin_client):
    grid = Area.objects.get(code=GRID)
    before = stored(GRID)

    response = post_boundary(admin_client, grid, widget_json(grid.geom))

    assert response.status_code == 302
    assert stored(GRID) == before


@pytest.mark.django_db
def test_a_vertex_moved_by_a_metre_is_a_change_and_is_checked(admin_client):
    grid = Area.objects.get(code=GRID)
    coords = [[list(ring) for ring in polygon] for polygon in grid.geom.coords]
    x, y = coords[0][0][1]
    coords[0][0][1] = (x + 0.00001, y)  # about 1 m east: beyond the rounding tolerance
    moved = json.dumps({"type": "MultiPolygon", "coordinates": coords})

    errors = geom_errors(post_boundary(admin_client, grid, moved))

    assert any("overlap" in e or "not covered" in e for e in errors), errors


@pytest.mark.django_db
def test_the_change_form_offers_exactly_the_touching_grids_to_move_the_border_with(admin_client):
    grid = Area.objects.get(code=GRID)
    response = admin_client.get(reverse("admin:grids_area_change", args=[grid.pk]))
    offered = {area.code for area in response.context["adminform"].form.fields["move_border_with"].queryset}
    touching = {a.code for a in Area.objects.grids().exclude(pk=grid.pk) if a.geom.intersects(grid.geom)}
    assert NEIGHBOUR in offered and THIRD in offered
    assert offered == touching
    drawn = response.context["area_neighbours"]["features"]
    assert {f["properties"]["code"] for f in drawn} == touching


@pytest.mark.django_db
def test_taking_a_strip_of_a_ticked_neighbour_moves_the_shared_border_and_keeps_the_total_area(admin_client):
    grid, neighbour, far_side = (Area.objects.get(code=c) for c in (GRID, NEIGHBOUR, FAR_SIDE))
    community = stored(COMMUNITY, FAR_SIDE)
    total = grid.geom.area + neighbour.geom.area
    strip = neighbour.geom.intersection(grid.geom.buffer(STRIP))
    new = multipolygon(grid.geom.union(strip))

    response = post_boundary(admin_client, grid, widget_json(new), move_with=[neighbour, far_side])

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    grid_after, neighbour_after = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR)
    assert grid_after.geom.equals_exact(new, 1e-12)
    assert neighbour_after.geom.area < neighbour.geom.area - strip.area * 0.99
    assert grid_after.geom.area + neighbour_after.geom.area == pytest.approx(total, rel=1e-9)
    assert validate_area(COMMUNITY) == []
    # The border moved inside the community, which is as it was; the other neighbour ticked is
    # not reached by the move and is left as it was, byte for byte.
    assert stored(COMMUNITY, FAR_SIDE) == community
    logged = LogEntry.objects.get(object_id=str(neighbour.pk))
    assert logged.get_change_message() == f"Boundary moved together with {GRID}."


@pytest.mark.django_db
def test_giving_up_a_strip_hands_it_to_the_ticked_neighbour(admin_client):
    grid, neighbour = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR)
    total = grid.geom.area + neighbour.geom.area
    new = multipolygon(grid.geom.difference(neighbour.geom.buffer(STRIP)))

    response = post_boundary(admin_client, grid, widget_json(new), move_with=[neighbour])

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    grid_after, neighbour_after = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR)
    assert neighbour_after.geom.area > neighbour.geom.area
    assert grid_after.geom.area + neighbour_after.geom.area == pytest.approx(total, rel=1e-9)
    assert validate_area(COMMUNITY) == []


@pytest.mark.django_db
def test_moving_a_border_between_two_communities_moves_the_communities_border_too(admin_client):
    south, north = Area.objects.get(code=SOUTH), Area.objects.get(code=NORTH)
    assert south.parent_id != north.parent_id
    communities = {c.code: c.geom.area for c in (south.parent, north.parent)}
    strip = north.geom.intersection(south.geom.buffer(STRIP))
    new = multipolygon(south.geom.union(strip))

    response = post_boundary(admin_client, south, widget_json(new), move_with=[north])

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    south_community = Area.objects.get(code=south.parent.code)
    north_community = Area.objects.get(code=north.parent.code)
    assert south_community.geom.area == pytest.approx(communities[south_community.code] + strip.area, rel=1e-6)
    assert north_community.geom.area == pytest.approx(communities[north_community.code] - strip.area, rel=1e-6)
    assert validate_area(STREET) == []  # the street: both communities, all their grids


@pytest.mark.django_db
def test_a_move_that_reaches_into_a_grid_not_ticked_is_refused_naming_it_and_nothing_is_written(admin_client):
    grid, neighbour, third = (Area.objects.get(code=c) for c in (GRID, NEIGHBOUR, THIRD))
    before = stored(GRID, NEIGHBOUR, THIRD, COMMUNITY)
    into_neighbour = neighbour.geom.intersection(grid.geom.buffer(STRIP))
    into_third = third.geom.intersection(grid.geom.buffer(STRIP))
    new = multipolygon(grid.geom.union(into_neighbour).union(into_third))

    errors = geom_errors(post_boundary(admin_client, grid, widget_json(new), move_with=[neighbour]))

    assert errors[0] == f"The shared border with {NEIGHBOUR} was not moved, nothing was saved:", errors
    overlaps = [e for e in errors[1:] if e.startswith(f"{GRID} / {THIRD} overlap by ")]
    assert len(overlaps) == 1, errors
    m2 = float(overlaps[0].split(" overlap by ")[1].split(" m²")[0])
    assert m2 > 1000  # a 30 m strip along some 300 m of border
    assert stored(GRID, NEIGHBOUR, THIRD, COMMUNITY) == before


@pytest.mark.django_db
def test_the_refusal_is_in_chinese_by_default(client, admin):
    client.force_login(admin)
    grid, neighbour, third = (Area.objects.get(code=c) for c in (GRID, NEIGHBOUR, THIRD))
    new = multipolygon(grid.geom.union(third.geom.intersection(grid.geom.buffer(STRIP))))

    errors = geom_errors(post_boundary(client, grid, widget_json(new), move_with=[neighbour]))

    assert errors[0] == f"与 {NEIGHBOUR} 的共同边界未移动，未保存任何更改：", errors
    assert any(e.startswith(f"{GRID} / {THIRD} 重叠 ") for e in errors), errors


@pytest.mark.django_db
def test_a_community_shows_its_neighbouring_communities_but_offers_no_border_move(admin_client):
    community = Area.objects.get(code=COMMUNITY)
    response = admin_client.get(reverse("admin:grids_area_change", args=[community.pk]))
    assert response.status_code == 200
    assert "move_border_with" not in response.context["adminform"].form.fields
    drawn = {f["properties"]["code"] for f in response.context["area_neighbours"]["features"]}
    assert drawn and all(len(code) == len(COMMUNITY) for code in drawn)


@pytest.mark.django_db
def test_the_add_page_has_the_map_and_no_border_move(admin_client):
    response = admin_client.get(reverse("admin:grids_area_add"))
    assert response.status_code == 200
    assert "move_border_with" not in response.context["adminform"].form.fields
    assert 'id="area-map-texts"' in response.content.decode()


@pytest.mark.django_db
def test_a_move_that_swallows_a_ticked_neighbour_whole_is_refused(admin_client):
    grid, neighbour = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR)
    before = stored(GRID, NEIGHBOUR)
    new = multipolygon(grid.geom.union(neighbour.geom))

    errors = geom_errors(post_boundary(admin_client, grid, widget_json(new), move_with=[neighbour]))

    assert errors == [f"The new boundary covers all of {NEIGHBOUR}; an area is removed by an import, not here."]
    assert stored(GRID, NEIGHBOUR) == before
