"""The area admin: searching the changelist, and saving a grid through the change form, where an edit
that would break the topology (an overlap, a gap, an invalid boundary) is refused and nothing is kept.

The grid edited is the middle one of a drawn community of 3 × 3 square grids (tests.conftest.DrawnCity),
so it has a neighbour on every side and the neighbours an edit reaches are known from the drawing."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.urls import reverse

from grids.models import Area, Level
from tests.conftest import DRAWN_CELL, DRAWN_DISTRICT, draw_city

COMMUNITY = f"{DRAWN_DISTRICT}001001"
GRID = f"{COMMUNITY}005"  # the middle of 3 × 3: grids 001–003 are the south row, 004–006 the middle one
EAST = f"{COMMUNITY}006"


@pytest.fixture(autouse=True)
def community(db):
    """One street of one community of 3 × 3 grids."""
    return draw_city(streets=1, towns=0, communities=1, grids=(3, 3))[COMMUNITY]


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser(f"{DRAWN_DISTRICT}_admin"))
    # Messages in English whatever the default language, so assertions can read them.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


class FormFields(HTMLParser):
    """The values of the named inputs and textareas of a page, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.values = {}
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def changelist(client, q):
    response = client.get(reverse("admin:grids_area_changelist"), {"q": q})
    assert response.status_code == 200
    return {area.code for area in response.context["cl"].result_list}


def form_data(area, **changes):
    """The change form's POST data for this area as it is in the database, with some fields changed."""
    data = {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "parent": area.parent_id or "",
        "geom": area.geom.geojson,
        "kind": area.kind,
        "households": "" if area.households is None else area.households,
        "population": "" if area.population is None else area.population,
        "_save": "Save",
    }
    return data | changes


def post_change(client, area, **changes):
    return client.post(reverse("admin:grids_area_change", args=[area.pk]), form_data(area, **changes))


def geom_errors(response):
    assert response.status_code == 200, "the form should be shown again, not saved"
    return list(response.context["adminform"].form.errors.get("geom", []))


def shifted(geom, dx, dy=0.0):
    """The MultiPolygon moved by (dx, dy) degrees."""
    return MultiPolygon(
        *[Polygon(*[[(x + dx, y + dy) for x, y in ring] for ring in polygon.coords]) for polygon in geom],
        srid=geom.srid,
    )


def as_geojson(geom):
    return json.dumps({"type": "MultiPolygon", "coordinates": geom.coords})


@pytest.mark.django_db
def test_the_change_form_carries_the_boundary_as_geojson_in_a_field_named_geom(admin_client):
    grid = Area.objects.get(code=GRID)
    response = admin_client.get(reverse("admin:grids_area_change", args=[grid.pk]))
    assert response.status_code == 200
    fields = FormFields()
    fields.feed(response.content.decode())
    posted = GEOSGeometry(fields.values["geom"])
    assert posted.geom_type == "MultiPolygon"
    assert posted.equals_exact(grid.geom, 1e-9)


@pytest.mark.django_db
def test_a_code_prefix_search_lists_the_community_and_exactly_its_grids(admin_client):
    found = changelist(admin_client, COMMUNITY)
    assert found == {COMMUNITY} | {f"{COMMUNITY}{n:03d}" for n in range(1, 10)}
    levels = dict(Area.objects.filter(code__in=found).values_list("code", "level"))
    assert levels.pop(COMMUNITY) == Level.COMMUNITY
    assert set(levels.values()) == {Level.GRID}


@pytest.mark.django_db
def test_a_chinese_name_fragment_finds_the_area(admin_client):
    street = Area.objects.get(code=COMMUNITY[:9])
    fragment = street.name[:2]  # 方格 of 方格1街道
    found = changelist(admin_client, fragment)
    assert street.code in found
    assert found == set(Area.objects.filter(name__contains=fragment).values_list("code", flat=True))


@pytest.mark.django_db
def test_it_saves_a_grid_whose_name_only_is_changed(admin_client):
    grid = Area.objects.get(code=GRID)
    response = post_change(admin_client, grid, name="建设社区第1网格（改名）")
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    saved = Area.objects.get(pk=grid.pk)
    assert saved.name == "建设社区第1网格（改名）"
    assert saved.geom.equals_exact(grid.geom, 1e-9)


@pytest.mark.django_db
def test_it_refuses_an_edit_that_overlaps_a_neighbour(admin_client):
    grid = Area.objects.get(code=GRID)
    # Moved east by 3/8 of its side (about 140 m): it covers part of its east neighbour, still inside
    # the community, and only touches the grids north-east and south-east of it along an edge.
    moved = shifted(grid.geom, DRAWN_CELL * 3 / 8)

    errors = geom_errors(post_change(admin_client, grid, geom=as_geojson(moved)))

    overlaps = [e for e in errors if "overlap" in e]
    assert len(overlaps) == 1 and f"{GRID} / {EAST}" in overlaps[0], errors
    assert Area.objects.get(pk=grid.pk).geom.equals_exact(grid.geom, 1e-12)


@pytest.mark.django_db
def test_it_refuses_an_edit_that_leaves_a_gap_in_the_community(admin_client):
    grid = Area.objects.get(code=GRID)
    x0, y0, x1, y1 = grid.geom.extent
    west_half = Polygon.from_bbox((x0, y0, (x0 + x1) / 2, y1))
    west_half.srid = grid.geom.srid
    shrunk = grid.geom.intersection(west_half)
    shrunk = MultiPolygon(shrunk, srid=grid.geom.srid) if shrunk.geom_type == "Polygon" else shrunk
    assert shrunk.area < grid.geom.area * 0.9

    errors = geom_errors(post_change(admin_client, grid, geom=as_geojson(shrunk)))

    gaps = [e for e in errors if "not covered" in e]
    assert gaps, errors
    assert any(e.startswith(f"{grid.parent.code}:") for e in gaps), gaps
    assert Area.objects.get(pk=grid.pk).geom.equals_exact(grid.geom, 1e-12)


@pytest.mark.django_db
def test_it_refuses_a_self_intersecting_boundary(admin_client):
    grid = Area.objects.get(code=GRID)
    x0, y0, x1, y1 = grid.geom.extent
    bow_tie = MultiPolygon(Polygon(((x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0))), srid=4326)
    assert not bow_tie.valid

    errors = geom_errors(post_change(admin_client, grid, geom=as_geojson(bow_tie)))

    assert any("not a valid geometry" in e and "self-intersection at (" in e for e in errors), errors
    assert Area.objects.get(pk=grid.pk).geom.equals_exact(grid.geom, 1e-12)


@pytest.mark.django_db
def test_the_code_level_and_parent_of_an_existing_area_cannot_be_changed_in_the_admin(admin_client):
    community = Area.objects.get(code=GRID).parent
    response = admin_client.get(f"/admin/grids/area/{community.pk}/change/")
    form = response.context["adminform"].form
    assert {"code", "level", "parent"}.isdisjoint(form.fields)


@pytest.mark.django_db
def test_an_area_inside_another_cannot_be_deleted_in_the_admin(admin_client):
    grid = Area.objects.get(code=GRID)
    assert admin_client.post(f"/admin/grids/area/{grid.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Area.objects.filter(pk=grid.pk).exists()
