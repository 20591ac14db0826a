"""The star rating's pages with a browser's forms: the district opens a quarter, the community
assesses itself, three reviewers score, the street inspects and proposes, the district publishes;
the results page colours the communities by their stars and the pay sheet follows them. Refusals
come back as a message on the page, never an error page."""

import re

from django.test import Client

from ratings.models import Assessment

from .conftest import LAST_QUARTER, THIS_QUARTER

QUARTER = f"{LAST_QUARTER.year}Q{(LAST_QUARTER.month - 1) // 3 + 1}"
NEXT = f"{THIS_QUARTER.year}Q{(THIS_QUARTER.month - 1) // 3 + 1}"


def browser_of(user):
    client = Client()
    client.force_login(user)
    return client


def version(pk):
    return Assessment.objects.get(pk=pk).version


def test_a_quarter_through_the_pages(plain_rating):
    people = plain_rating
    district = browser_of(people.users["district"])
    answer = district.post("/ratings/", {"district": people.city.code, "quarter": QUARTER})
    assert answer.status_code == 302 and answer.url == f"/ratings/{people.city.code}/{QUARTER}/"
    page = district.get(answer.url)
    assert page.status_code == 200 and "方格1街道" in page.content.decode()
    first = Assessment.objects.get(round__quarter=LAST_QUARTER, community=people.city.communities[0])
    path = f"/ratings/assessments/{first.pk}/"
    sun = browser_of(people.users["community"])
    html = sun.get(path).content.decode()
    assert 'id="save-form"' in html and 'name="points-A1"' in html and 'id="review-form"' not in html
    refused = sun.post(path, {"action": "save", "version": version(first.pk), "points-A1": "60"}, follow=True)
    assert "0 到 50" in refused.content.decode()
    sun.post(path, {"action": "save", "version": version(first.pk), "points-A1": "48", "note-A1": "班子齐全",
                    "points-A2": "47"})  # fmt: skip
    sun.post(path, {"action": "self-assess", "version": version(first.pk)})
    for name in ("street", "reviewer_chen", "reviewer_zhao"):
        reviewer = browser_of(people.users[name])
        assert 'id="review-form"' in reviewer.get(path).content.decode()
        reviewer.post(path, {"action": "review", "points-A1": "46", "comment-A1": "述职清楚", "points-A2": "46"})
    street = browser_of(people.users["street"])
    street.post(path, {"action": "close-review", "version": version(first.pk)})
    street.post(
        path, {"action": "inspect", "version": version(first.pk), "deduction-A1": "ledger", "note-A1": "缺记录"}
    )
    html = street.get(path).content.decode()
    assert 'id="total">87.00<' in html and 'id="propose-form"' in html  # 46 − 5 + 46
    street.post(path, {"action": "propose", "version": version(first.pk), "stars": "4"})
    assert Assessment.objects.get(pk=first.pk).stars == 4
    html = district.get(f"/ratings/{people.city.code}/{QUARTER}/").content.decode()
    assert re.search(rf'data-community="{first.community.code}" data-status="proposed"', html)


def test_pages_refuse_readers_outside_the_community(plain_rating):
    people = plain_rating
    browser_of(people.users["district"]).post("/ratings/", {"district": people.city.code, "quarter": QUARTER})
    first = Assessment.objects.get(round__quarter=LAST_QUARTER, community=people.city.communities[0])
    assert browser_of(people.users["other"]).get(f"/ratings/assessments/{first.pk}/").status_code == 404
    assert browser_of(people.users["other"]).get(f"/ratings/{people.city.code}/2019Q9/").status_code in (400, 404)
    assert browser_of(people.users["district"]).get(f"/ratings/{people.city.code}/2019Q9/").status_code == 400


def test_the_results_and_pay_pages(plain_rating):
    from .test_stars_and_pay import published, seat

    people = plain_rating
    published(people)
    seat(people, people.city.communities[0], "张书记", "secretary")
    leader = browser_of(people.users["district"])
    html = leader.get(f"/ratings/{people.city.code}/{QUARTER}/results/").content.decode()
    assert "5★" in html and "leaflet" in html.lower()
    html = leader.get(f"/ratings/pay/{people.street.code}/{NEXT}/").content.decode()
    assert 'id="pay-total">11400.00<' in html  # three months of 1,300 + 5 × 500
