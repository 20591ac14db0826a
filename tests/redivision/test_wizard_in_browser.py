"""The wizard's page in Chromium, offline but for loopback: an administrator on a desktop asks for
300–500 households per grid, sees the proposal drawn over the community's grids with the balance
before and after, and accepts it into the draft; on a phone, in English, the page fits the screen."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grids import generations
from grids.models import DraftGrid, Generation, GridKind

from .test_wizard_proposal import UNEVEN

pytestmark = pytest.mark.django_db
CODE = "990131"


@pytest.fixture(scope="module")
def served_community(django_db_setup, django_db_blocker):
    """A committed city of one community of 4 × 5 grids with households spread unevenly and a
    market, its draft, and an administrator who logs in with the demo's password."""
    from tests.conftest import committed_city
    from tests.incidents.conftest import demo_password_hash

    def people(city):
        community = city.communities[0]
        for grid, households in zip(city.grids_of(community), UNEVEN, strict=True):
            grid.households = households
            grid.kind = GridKind.MARKET if grid.code.endswith("008") else GridKind.BASIC
            grid.save(update_fields=["households", "kind"])
        admin = get_user_model().objects.create(
            username=f"{city.code}_admin", password=demo_password_hash(), is_superuser=True, is_staff=True
        )
        city.users = {"admin": admin}
        city.draft = generations.start_draft(city.code)

    layout = {"code": CODE, "origin": (113.95, 33.35), "streets": 1, "towns": 0, "communities": 1, "grids": (4, 5)}
    with committed_city(django_db_blocker, people, **layout) as city:
        try:
            yield city
        finally:
            with django_db_blocker.unblock():
                Generation.objects.filter(district__code=CODE).delete()


def wizard_path(city):
    return f"/redivision/{city.draft.id}/wizard/{city.communities[0].code}/"


def test_the_administrator_proposes_on_a_desktop_and_accepts_into_the_draft(served_app, served_community, screen):
    city = served_community
    desktop = screen("desktop")
    desktop.log_in(served_app, city.users["admin"].username, wizard_path(city))
    page = desktop.page
    expect(page.locator("h1")).to_contain_text("网格重划向导")
    assert page.locator("path.grid-now").count() == 20
    page.fill("input[name=households_min]", "300")
    page.fill("input[name=households_max]", "500")
    with page.expect_navigation():
        page.click("#propose")
    page.locator("path.grid-proposed").first.wait_for(state="attached")
    proposed = page.locator("path.grid-proposed").count()
    assert 11 <= proposed <= 16  # 5,700 households of the basic grids at about 400 a grid
    expect(page.locator("#balance")).to_contain_text("变异系数")
    expect(page.locator("#timing")).to_contain_text(city.communities[0].code + "008")
    desktop.shoot("wizard-proposal")
    with page.expect_navigation():
        page.click("#accept")
    expect(page.locator(".message")).to_contain_text(f"已将 {proposed} 个新网格写入草案")
    assert DraftGrid.objects.filter(generation=city.draft, how="wizard").count() == proposed
    assert page.locator("path.grid-now").count() == proposed + 1  # the new grids and the market
    assert desktop.blocked == [] and desktop.console_errors == []


def test_on_a_phone_in_english_the_page_fits_the_screen(served_app, served_community, screen):
    city = served_community
    phone = screen("phone", locale="en-US")
    phone.log_in(served_app, city.users["admin"].username, wizard_path(city) + "?households_min=300&households_max=500")
    page = phone.page
    page.locator("path.grid-proposed").first.wait_for(state="attached")
    expect(page.locator("h1")).to_contain_text("Re-division wizard")
    expect(page.locator("#balance")).to_contain_text("coefficient of variation")
    assert phone.overflow() == 0
    phone.shoot("wizard-phone")
    assert phone.blocked == [] and phone.console_errors == []
