"""The map page shows each account exactly the grids in its scope: the people of a drawn city
(tests.conftest.DrawnCity: streets 001 and 002 and town 101, each of 2 communities of 2 grids),
whose grids are known from the drawing, and the administrator, who sees every grid of every district."""

import json
import re

import pytest
from django.test import Client

from grids.models import Area, Role

# username: (name, role, the code of their area below the district's, how many grids are in it)
PEOPLE = {
    "zhou": ("周立德", Role.LEADER, "", 12),
    "wu": ("吴思源", Role.ANALYST, "", 12),
    "zheng": ("郑明", Role.DISPATCHER, "001", 4),  # a street: 2 communities × 2 grids
    "sun": ("孙丽", Role.DISPATCHER, "001002", 2),  # a community of that street
    "li": ("李强", Role.GRID_WORKER, "001002001", 1),  # a grid of that community
}


def grid_codes_on_page(html):
    return set(re.findall(r'"code": "(\d{15})"', html))


@pytest.mark.parametrize("username", PEOPLE)
def test_the_map_shows_exactly_the_grids_in_the_accounts_scope(drawn_city, username):
    name, role, below, count = PEOPLE[username]
    area = drawn_city[drawn_city.code + below]
    client = Client()
    client.force_login(drawn_city.account(username, name, role, area))
    response = client.get("/")
    assert response.status_code == 200
    expected = {code for code in drawn_city.grid_codes() if code.startswith(area.code)}
    assert len(expected) == count
    assert grid_codes_on_page(response.content.decode()) == expected


def test_the_map_shows_the_administrator_every_grid_of_every_district(drawn_city):
    expected = set(Area.objects.grids().values_list("code", flat=True))
    assert drawn_city.grid_codes() < expected  # the demo's grids and the drawn city's
    admin = drawn_city.staff().client("admin")  # a superuser, though given to the drawn city
    assert grid_codes_on_page(admin.get("/").content.decode()) == expected


@pytest.mark.django_db
def test_the_map_asks_for_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_city_map_is_drawn_once_for_what_it_draws_and_anew_when_that_changes(drawn_city):
    """The dashboard's city map is rendered once for the GeoJSON it draws (maps.home.city_map): a
    visit again gets the map already drawn; a grid renamed and of another kind in the database, or
    the other language, gets a map drawn anew."""
    from maps import home

    client = Client()
    client.force_login(drawn_city.account("zhou", "周立德", Role.LEADER, drawn_city[drawn_city.code]))
    first = client.get("/").content.decode()
    kept = dict(home._city_maps)
    assert client.get("/").content.decode().count('"kind_label": "') == first.count('"kind_label": "') == 12
    assert home._city_maps == kept  # the second visit drew nothing
    grid = Area.objects.get(code=min(drawn_city.grid_codes()))
    Area.objects.filter(pk=grid.pk).update(name="改名网格", kind="park")  # as a script would, around Django
    # as folium writes them into the page
    renamed, park = (
        f'"{key}": {json.dumps(value)}' for key, value in (("name", "改名网格"), ("kind_label", "专属网格：公园"))
    )
    assert renamed not in first and park not in first
    for html in (client.get("/").content.decode(), client.get("/").content.decode()):
        assert renamed in html and park in html
    assert len(home._city_maps) == len(kept) + 1
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '"kind_label": "dedicated: park"' in english and park not in english
    assert len(home._city_maps) == len(kept) + 2
