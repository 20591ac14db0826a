"""The area admin: searching the changelist, and saving a grid through the change form, where an edit
that would break the topology (an overlap, a gap, an invalid boundary) is refused and nothing is kept."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.urls import reverse

from grids.models import Area, Level

GRID = "411381001001004"  # 建设社区第1网格, a basic grid with neighbours on every side
COMMUNITY = "411381001001"


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.get(username="admin"))
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
    expected = set(Area.objects.within(COMMUNITY).values_list("code", flat=True))
    assert len(expected) > 1
    assert found == expected
    levels = dict(Area.objects.filter(code__in=found).values_list("code", "level"))
    assert levels.pop(COMMUNITY) == Level.COMMUNITY
    assert set(levels.values()) == {Level.GRID}


@pytest.mark.django_db
def test_a_chinese_name_fragment_finds_the_area(admin_client):
    street = Area.objects.get(code="411381002")
    fragment = street.name[:2]  # 花洲 of 花洲街道
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
    moved = shifted(grid.geom, 0.0015)  # about 140 m east, into the grids next to it
    neighbours = sorted(
        sibling.code
        for sibling in Area.objects.filter(parent=grid.parent_id).exclude(pk=grid.pk)
        if moved.relate_pattern(sibling.geom, "2********")
    )
    assert neighbours, "the shifted grid should cover part of a neighbour"

    errors = geom_errors(post_change(admin_client, grid, geom=as_geojson(moved)))

    overlaps = [e for e in errors if "overlap" in e]
    assert overlaps, errors
    for neighbour in neighbours:
        pair = " / ".join(sorted([grid.code, neighbour]))
        assert any(pair in e for e in overlaps), (pair, overlaps)
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
