"""A quarter walked through in Chromium, as its people do it: the community's secretary assesses
itself on a phone, three street leaders score it on a desktop after the public defence, the street
closes the review, inspects and proposes; the quota refuses a seventh five-star community in a street
of 30 (20%), the district publishes the street, and next quarter's pay sheet pays by the stars.

The other 29 communities of the street are walked to their proposals through the services first,
six of them five-star: the street's quota."""

import pytest
from playwright.sync_api import expect

from ratings import assessing
from ratings.models import Assessment, CommitteeSeat, Criterion

from .conftest import LAST_QUARTER, LAYOUT, THIS_QUARTER, add_people, walk_to_inspected

pytestmark = pytest.mark.django_db
QUARTER = f"{LAST_QUARTER.year}Q{(LAST_QUARTER.month - 1) // 3 + 1}"
NEXT = f"{THIS_QUARTER.year}Q{(THIS_QUARTER.month - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def quarter(django_db_setup, django_db_blocker):
    from tests.conftest import committed_city
    from tests.incidents.conftest import demo_password_hash

    made = {}

    def people(city):
        made["people"] = rating = add_people(city, password=demo_password_hash())
        round_, _created = assessing.open_round(rating.users["district"], city.code, LAST_QUARTER)
        street = Assessment.objects.filter(round=round_, community__code__startswith=rating.street.code)
        for n, assessment in enumerate(street.order_by("community__code")[1:]):
            walk_to_inspected(rating, assessment, lambda c, n=n: c.max_points - (n % 4))
            five = n < 6
            assessing.propose(
                rating.users["street"], assessment.pk, 5 if five else 3, "述职与核查优秀" if five else "按评议"
            )
        first = city.communities_of(rating.street)[0]
        secretary = city.person("孙书记")
        CommitteeSeat.objects.create(
            party_org=first.party_org, person=secretary, post="secretary", starts_on=LAST_QUARTER
        )
        made["round"] = round_

    with committed_city(django_db_blocker, people, code="990078", origin=(114.4, 32.9), **LAYOUT):
        yield made


def scored_codes(people):
    return list(people.scheme.criteria.filter(kind=Criterion.Kind.SCORED).values_list("code", flat=True))


def test_a_quarter_in_chromium(served_app, quarter, screen):
    people, round_ = quarter["people"], quarter["round"]
    first = Assessment.objects.get(round=round_, community=people.city.communities[0])
    path = f"/ratings/assessments/{first.pk}/"
    codes = scored_codes(people)

    phone = screen("phone")  # the community's secretary (its dispatcher) on a phone
    phone.log_in(served_app, people.users["community"].username, path)
    for code in codes:
        phone.page.fill(f"input[name=points-{code}]", "3")  # every criterion is worth 3 or more
    phone.page.click("#save-form button")
    expect(phone.page.locator(".message")).to_contain_text("已保存")
    phone.page.click("#self-assess-form button")
    expect(phone.page.locator("#assessment-status")).to_contain_text("已自评")
    expect(phone.page.locator("#criterion-E1 .computed-points")).to_be_visible()  # filled in, locked
    assert phone.overflow() == 0

    for name in ("street", "reviewer_chen", "reviewer_zhao"):  # the public defence, on desktops
        desktop = screen("desktop")
        desktop.log_in(served_app, people.users[name].username, path)
        for code in codes:
            desktop.page.fill(f"input[name=points-{code}]", "3")
        desktop.page.click("#review-form button")
        expect(desktop.page.locator(".message")).to_contain_text("评分已保存")
    street = screen("desktop")
    street.log_in(served_app, people.users["street"].username, path)
    street.page.click("#close-review-form button")
    expect(street.page.locator("#assessment-status")).to_contain_text("已评议")
    street.page.check("input[name=deduction-A1][value=ledger]")
    street.page.click("#inspect-form button")
    expect(street.page.locator("#assessment-status")).to_contain_text("已核查")
    street.page.check("#propose-form input[name=stars][value='5']")
    street.page.fill("#propose-form input[name=reason]", "群众评价高")
    street.page.click("#propose-form button")
    expect(street.page.locator(".message.error")).to_contain_text("最多 6 个")  # the seventh in a street of 30
    assert Assessment.objects.get(pk=first.pk).status == "inspected"
    street.page.check("#propose-form input[name=stars][value='4']")
    street.page.fill("#propose-form input[name=reason]", "五星名额已满")
    street.page.click("#propose-form button")
    expect(street.page.locator("#stars")).to_have_text("4★")

    leader = screen("desktop")  # the district publishes the street
    leader.log_in(served_app, people.users["district"].username, f"/ratings/{people.city.code}/{QUARTER}/")
    block = leader.page.locator(f"#street-{people.street.code}")
    expect(block.locator(".quota")).to_contain_text("6")
    block.locator("button.publish").click()
    expect(leader.page.locator(".message")).to_contain_text("已公布")
    assert Assessment.objects.filter(round=round_, community__code__startswith=people.street.code,
                                     status="published").count() == 30  # fmt: skip
    leader.page.goto(f"{served_app}/ratings/pay/{people.street.code}/{NEXT}/")
    expect(leader.page.locator("#pay-table")).to_contain_text("孙书记")
    expect(leader.page.locator("#pay-total")).to_have_text("9900.00")  # 3 × (1,300 + 4 × 500)
    leader.shoot("rating-pay-sheet")
