"""The wizard's page answered to a plain client: the proposal's table for an administrator, the
reason on the page for a bad target, 403 for a leader, 404 for a community of no such draft."""

import pytest

from grids import generations
from grids.models import DraftGrid
from tests.conftest import draw_city

from .test_wizard_proposal import UNEVEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    city = draw_city(streets=2, towns=0, communities=1, grids=(4, 5)).staff()
    for grid, households in zip(city.grids_of(city.communities[0]), UNEVEN, strict=True):
        grid.households = households
        grid.save(update_fields=["households"])
    city.draft = generations.start_draft(city.code)
    city.path = f"/redivision/{city.draft.id}/wizard/{city.communities[0].code}/"
    return city


def test_the_administrator_sees_the_balance_before_and_after(city):
    page = city.client("admin").get(city.path, {"households_min": 300, "households_max": 500})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="balance"' in text and "变异系数" in text and 'id="accept-form"' in text


def test_a_bad_target_is_said_on_the_page_with_a_400(city):
    page = city.client("admin").get(city.path, {"households_min": 500, "households_max": 300})
    assert page.status_code == 400
    assert "households_min（500）高于 households_max（300）" in page.content.decode()
    assert 'id="balance"' not in page.content.decode()


def test_accepting_writes_the_draft_and_a_stale_accept_writes_nothing(city):
    client = city.client("admin")
    form = {"households_min": 300, "households_max": 500, "version": city.draft.version}
    assert client.post(city.path, form).status_code == 302
    made = DraftGrid.objects.filter(generation=city.draft).count()
    assert made > 0
    client.post(city.path, form)  # the same version again: stale now
    assert DraftGrid.objects.filter(generation=city.draft).count() == made
    page = client.get(city.path)
    assert 'class="message error"' in page.content.decode()


def test_a_leader_is_refused_and_an_unknown_community_is_not_found(city):
    assert city.client("leader").get(city.path).status_code == 403
    missing = f"/redivision/{city.draft.id}/wizard/411381001001/"
    assert city.client("admin").get(missing).status_code == 404
