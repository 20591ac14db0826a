"""The map page shows each account exactly the grids in its scope."""

import re

import pytest

from grids.models import Area
from grids.scopes import Scope

ACCOUNTS = ["admin", "leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker", "grid_worker_2"]


def grid_codes_on_page(html):
    return set(re.findall(r'"code": "(\d{15})"', html))


@pytest.mark.django_db
@pytest.mark.parametrize("username", ACCOUNTS)
def test_the_map_shows_exactly_the_grids_in_the_accounts_scope(login, username):
    from django.contrib.auth import get_user_model

    response = login(username).get("/")
    assert response.status_code == 200
    scope = Scope.for_user(get_user_model().objects.get(username=username))
    expected = set(scope.areas(Area.objects.grids()).values_list("code", flat=True))
    assert expected and grid_codes_on_page(response.content.decode()) == expected


@pytest.mark.django_db
def test_the_map_asks_for_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
