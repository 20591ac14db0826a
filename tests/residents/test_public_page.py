"""The public page of a community: off unless the setting turns it on; this month's counts and the
grids' public contact cards, never a person's phone nor a case."""

import pytest

from tests.incidents.conftest import new_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The page is kept for five minutes (the same for everyone): each test reads it anew."""
    from django.core.cache import cache

    cache.clear()


def test_the_public_page_is_off_by_default(city, client):
    community = city.grid_of("grid_worker").parent
    assert client.get(f"/public/{community.code}/").status_code == 404


def test_the_public_page_shows_counts_and_public_cards_only(city, client, settings):
    settings.PUBLIC_COMMUNITY_PAGES = True
    grid = city.grid_of("grid_worker")
    community = grid.parent
    city.party_group(grid, leader=city.person("王建国"))
    new_incident("井盖缺失", city=city, contact_name="李女士", contact_phone="13800001234")
    page = client.get(f"/public/{community.code}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="received">1<' in html
    assert "王建国" in html and f'data-code="{grid.code}"' in html
    for person in city.people:
        assert not person.phone or person.phone not in html  # no worker's own phone by default
    assert "13800001234" not in html and "李女士" not in html and "井盖缺失" not in html
    assert client.get(f"/public/{grid.code}/").status_code == 404  # a grid is not a community
    assert "/r/" in html  # where to report


def test_the_public_page_shows_what_consultation_decided_this_month(city, client, settings):
    from consultations.models import Item

    settings.PUBLIC_COMMUNITY_PAGES = True
    community = city.grid_of("grid_worker").parent
    from django.utils import timezone

    from consultations.stages import DEFAULT_STAGES

    publication = next(n for n, stage in enumerate(DEFAULT_STAGES) if stage["kind"] == "publication")
    decision = next(n for n, stage in enumerate(DEFAULT_STAGES) if stage["kind"] == "decision")
    fields = {"community": community, "stages": DEFAULT_STAGES, "status": Item.Status.DECIDED}
    Item.objects.create(
        **fields, title="小区停车难", proposer_name="赵大爷", proposer_phone="13700002222",
        decision="夜间开放学校操场停车", decided_at=timezone.now(), stage=max(publication, decision) + 1,
    )  # fmt: skip
    Item.objects.create(  # decided by a method whose publication comes later: not yet public
        **fields | {"stages": [*DEFAULT_STAGES[:publication], *DEFAULT_STAGES[publication + 1 :]]},
        title="未公示的议题", decision="尚未公示", decided_at=timezone.now(), stage=decision,
    )  # fmt: skip
    html = client.get(f"/public/{community.code}/").content.decode()
    assert "小区停车难" in html and "夜间开放学校操场停车" in html
    assert "未公示的议题" not in html
    assert "赵大爷" not in html and "13700002222" not in html
