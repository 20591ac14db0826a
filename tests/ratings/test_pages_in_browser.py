"""The star rating's pages in Chromium on a phone and a desktop, offline but for loopback: the
community's secretary scores its criteria on a phone (nothing wider than the screen) and submits;
a street leader reviews on a desktop; the results page draws the communities coloured by stars."""

import pytest
from playwright.sync_api import expect

from ratings import assessing
from ratings.models import Assessment

from .conftest import LAST_QUARTER, PLAIN, add_people, walk_to_inspected

pytestmark = pytest.mark.django_db
QUARTER = f"{LAST_QUARTER.year}Q{(LAST_QUARTER.month - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def served_rating(django_db_setup, django_db_blocker):
    """A committed city with the rating's cast (who log in with the demo's password), last quarter
    opened, the second street's communities inspected, proposed and published."""
    from tests.conftest import committed_city
    from tests.incidents.conftest import demo_password_hash

    from .conftest import LAYOUT

    made = {}

    def people(city):
        made["people"] = rating = add_people(city, PLAIN, password=demo_password_hash())
        round_, _created = assessing.open_round(rating.users["district"], city.code, LAST_QUARTER)
        for n, assessment in enumerate(
            Assessment.objects.filter(round=round_, community__code__startswith=rating.other_street.code)
        ):
            walk_to_inspected(rating, assessment, lambda c, n=n: c.max_points - (n % 5) * 3)
        assessing.propose_by_points(rating.admin, round_, rating.other_street.code)
        assessing.publish(rating.users["district"], round_, rating.other_street.code)

    with committed_city(django_db_blocker, people, code="990076", origin=(114.2, 32.9), **LAYOUT):
        yield made["people"]


def test_the_secretary_scores_on_a_phone_and_a_leader_reviews_on_a_desktop(served_app, served_rating, screen):
    people = served_rating
    first = Assessment.objects.get(round__quarter=LAST_QUARTER, community=people.city.communities[0])
    path = f"/ratings/assessments/{first.pk}/"
    phone = screen("phone")
    phone.log_in(served_app, people.users["community"].username, path)
    page = phone.page
    page.fill("input[name=points-A1]", "48")
    page.fill("input[name=note-A1]", "班子成员配齐，分工明确")
    page.fill("input[name=points-A2]", "45")
    assert phone.overflow() == 0
    page.click("#save-form button")
    expect(page.locator(".message")).to_contain_text("已保存")
    page.click("#self-assess-form button")
    expect(page.locator("#assessment-status")).to_contain_text("已自评")
    expect(page.locator("#steps")).to_contain_text("提交了自评")
    assert phone.overflow() == 0
    phone.shoot("rating-self-assessment")
    assert phone.blocked == [] and phone.console_errors == []

    desktop = screen("desktop")
    desktop.log_in(served_app, people.users["reviewer_chen"].username, path)
    desktop.page.fill("input[name=points-A1]", "46")
    desktop.page.fill("input[name=comment-A1]", "述职清楚")
    desktop.page.fill("input[name=points-A2]", "44")
    desktop.page.click("#review-form button")
    expect(desktop.page.locator(".message")).to_contain_text("评分已保存")
    expect(desktop.page.locator("#criterion-A1 dd.review")).to_contain_text("46.00")
    desktop.shoot("rating-review")


def test_the_results_page_colours_the_communities_by_stars(served_app, served_rating, screen):
    people = served_rating
    for name in ("phone", "desktop"):
        shown = screen(name)
        shown.log_in(served_app, people.users["district"].username, f"/ratings/{people.city.code}/{QUARTER}/results/")
        shown.page.locator("path.community").first.wait_for(state="attached")
        assert shown.page.locator("path.community").count() == 60
        assert shown.page.locator("#results-table td.stars-cell", has_text="★").count() == 30  # the published street
        assert shown.overflow() == 0 and shown.blocked == [] and shown.console_errors == []
        shown.shoot("rating-results")
