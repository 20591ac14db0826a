"""The demo's star rating, made with the rating's own services on the demo city: a year of published
quarters within each street's quota, with realistic spreads, a move between quarters, this quarter
under way, and pay sheets that follow the rule."""

from collections import Counter
from decimal import Decimal

import numpy as np
import pytest
from django.db.models import Count

from demo.history import build_history
from demo.ratings import build_ratings
from grids.models import Area, Level
from ratings import pay, schemes, stars
from ratings.models import Assessment, CommitteeSeat, ReviewScore, Round, StarRecord
from ratings.rules import five_star_quota

pytestmark = pytest.mark.django_db
DISTRICT = "411381"


@pytest.fixture
def demo_year(db):
    """The demo city with half a year of cases (the computed criteria count them) and its star rating
    of the last two quarters (load_demo makes four: the same code, twice as long)."""
    build_history(DISTRICT, cases=1500, days=200, seed=5)
    return build_ratings(DISTRICT, np.random.default_rng(17), past_quarters=2)


def quarters_published_within_each_streets_quota(demo_year):
    rounds = list(Round.objects.filter(district__code=DISTRICT).order_by("quarter"))
    assert len(rounds) == 3 and demo_year["quarters"] == 2
    for round_ in rounds[:-1]:
        published = Assessment.objects.filter(round=round_, status="published")
        assert published.count() == 46
        by_street = Counter(a.community.code[:9] for a in published.select_related("community"))
        five = Counter(a.community.code[:9] for a in published.filter(stars=5).select_related("community"))
        for street, n in by_street.items():
            assert five[street] <= five_star_quota(round_.five_star_share, n)
        spread = Counter(published.values_list("stars", flat=True))
        assert len(spread) >= 2  # not everyone alike (the spread of a whole year: the README's figures)
        reviewers = ReviewScore.objects.filter(assessment__round=round_).values("assessment").annotate(
            n=Count("reviewer", distinct=True))  # fmt: skip
        assert {row["n"] for row in reviewers} == {3}


def stars_in_force_and_pay_sheets_following_the_rule(demo_year):
    this_quarter = schemes.quarter_of(Round.objects.order_by("-quarter").first().quarter)
    communities = Area.objects.filter(level=Level.COMMUNITY, code__startswith=DISTRICT)
    now = stars.in_force([c.code for c in communities], this_quarter)
    assert len(now) == 46
    assert StarRecord.objects.filter(kind="adjustment").count() == 1
    assert CommitteeSeat.objects.filter(party_org__area__code__startswith=DISTRICT).count() == 46 * 5
    street = Area.objects.get(code=f"{DISTRICT}001")
    sheet = pay.pay_sheet(street, this_quarter)
    for row in sheet["rows"]:
        record = stars.in_force([row["community"]], date_of(row["month"]))[row["community"]]
        secretary = Decimal(1300) + 500 * record.stars
        assert row["pay"] == (secretary if row["post"] == "secretary" else secretary * Decimal("0.7"))


def date_of(month):
    from datetime import date

    year, m = map(int, month.split("-"))
    return date(year, m, 1)


def this_quarter_under_way_in_the_first_street(demo_year):
    current = Round.objects.order_by("-quarter").first()
    statuses = Counter(Assessment.objects.filter(round=current, community__code__startswith=f"{DISTRICT}001")
                       .values_list("status", flat=True))  # fmt: skip
    assert statuses["draft"] == 1 and statuses["self_assessed"] == sum(statuses.values()) - 1
    assert Assessment.objects.get(round=current, community__code=f"{DISTRICT}001001").status == "draft"


def test_the_demo_year_of_star_ratings(demo_year):
    """One demo year, made once (it is the slow part), checked three ways."""
    quarters_published_within_each_streets_quota(demo_year)
    stars_in_force_and_pay_sheets_following_the_rule(demo_year)
    this_quarter_under_way_in_the_first_street(demo_year)
