"""The street's proposal within its five-star quota, publication, the stars in force from the next
quarter, moves between quarters, and the pay sheet that follows the stars under the rule kept with
them; a new scheme version next quarter changes nothing of the last quarter."""

import io
from decimal import Decimal

import pytest

from govgrid.lib.errors import Conflict, GovgridError
from ratings import assessing, pay, stars
from ratings.models import Assessment, CommitteeSeat, StarRecord
from ratings.schemes import months_of, new_version, next_quarter

from .conftest import LAST_QUARTER, THIS_QUARTER, points, walk_to_inspected


def street_of(people, round_, street=None):
    street = street or people.street
    return list(
        Assessment.objects.filter(round=round_, community__code__startswith=street.code).order_by("community__code")
    )


def inspected_street(people, totals):
    """The round of last quarter with the first street's communities inspected, community n given
    totals[n] points (50/50 split), the rest 60."""
    round_, _created = assessing.open_round(people.users["district"], people.city.code, LAST_QUARTER)
    for n, assessment in enumerate(street_of(people, round_)):
        total = Decimal(totals[n]) if n < len(totals) else Decimal(60)
        walk_to_inspected(people, assessment, lambda c, total=total: total / 2)
    return round_


def test_the_quota_refuses_a_seventh_five_star_community_in_a_street_of_thirty(plain_rating):
    round_ = inspected_street(plain_rating, [100, 98, 96, 94, 92, 90, 90])
    street = street_of(plain_rating, round_)
    liu = plain_rating.users["street"]
    for assessment in street[:6]:
        assessing.propose(liu, assessment.pk, 5)
    with pytest.raises(Conflict) as refused:
        assessing.propose(liu, street[6].pk, 5)
    assert refused.value.extra["code"] == "quota" and refused.value.field == "stars"
    assert "6" in refused.value.message and "30" in refused.value.message
    assert Assessment.objects.get(pk=street[6].pk).status == "inspected"
    assessing.propose(liu, street[5].pk, 4, "答辩表现一般")  # a place freed
    assessing.propose(liu, street[6].pk, 5)


def test_stars_other_than_the_points_give_need_a_reason(plain_rating):
    round_ = inspected_street(plain_rating, [100])
    first = street_of(plain_rating, round_)[0]
    with pytest.raises(GovgridError) as refused:
        assessing.propose(plain_rating.users["street"], first.pk, 4)
    assert refused.value.field == "reason"
    for wrong in (0, 6, "5", True):
        with pytest.raises(GovgridError) as refused:
            assessing.propose(plain_rating.users["street"], first.pk, wrong)
        assert refused.value.field == "stars"


def test_proposing_by_the_points_gives_the_fifth_star_to_the_best_and_a_tie_at_the_edge_to_none(plain_rating):
    # Five clear, then three tied at 91 for the sixth place: none of them gets it by the points.
    round_ = inspected_street(plain_rating, [100, 99, 98, 97, 96, 91, 91, 91, 85])
    assessing.propose_by_points(plain_rating.users["street"], round_, plain_rating.street.code)
    street = street_of(plain_rating, round_)
    assert [a.stars for a in street[:9]] == [5, 5, 5, 5, 5, 4, 4, 4, 4]
    assert all(a.status == "proposed" for a in street)
    assert street[5].proposal_reason and not street[8].proposal_reason
    assessing.propose(plain_rating.users["street"], street[6].pk, 5)  # the street's own choice, within the quota


def test_publication_needs_every_community_proposed_and_puts_the_stars_in_force_next_quarter(plain_rating):
    round_ = inspected_street(plain_rating, [100, 80])
    district = plain_rating.users["district"]
    street = street_of(plain_rating, round_)
    assessing.propose(plain_rating.users["street"], street[0].pk, 5)
    with pytest.raises(Conflict) as refused:
        assessing.publish(district, round_, plain_rating.street.code)
    assert refused.value.extra["code"] == "not_proposed"
    assessing.propose_by_points(plain_rating.users["street"], round_, plain_rating.street.code)
    with pytest.raises(Exception) as refused:
        assessing.publish(plain_rating.users["street"], round_, plain_rating.street.code)
    assert getattr(refused.value, "status", None) == 403
    assessing.publish(district, round_, plain_rating.street.code)
    first, second = street[0].community.code, street[1].community.code
    assert stars.in_force([first, second], THIS_QUARTER - (THIS_QUARTER - LAST_QUARTER) // 2) == {}
    now = stars.in_force([first, second], THIS_QUARTER)
    assert (now[first].stars, now[second].stars) == (5, 4)
    assert now[first].base_pay == Decimal(1300) and now[first].pay_per_star == Decimal(500)


def seat(people, community, name, post, starts_on=LAST_QUARTER):
    person = people.city.person(name)
    return CommitteeSeat.objects.create(party_org=community.party_org, person=person, post=post, starts_on=starts_on)


def published(people, totals=(100, 80)):
    round_ = inspected_street(people, list(totals))
    assessing.propose_by_points(people.users["street"], round_, people.street.code)
    assessing.publish(people.users["district"], round_, people.street.code)
    return round_


def test_the_pay_sheet_follows_the_rule_for_each_month(plain_rating):
    people = plain_rating
    published(people)
    five, four = people.city.communities_of(people.street)[:2]
    unrated = people.city.communities_of(people.other_street)[0]
    seat(people, five, "张书记", CommitteeSeat.Post.SECRETARY)
    seat(people, five, "李委员", CommitteeSeat.Post.MEMBER)
    seat(people, four, "赵书记", CommitteeSeat.Post.SECRETARY)
    seat(people, unrated, "钱书记", CommitteeSeat.Post.SECRETARY)
    sheet = pay.pay_sheet(people.street, THIS_QUARTER)
    by_person = {}
    for row in sheet["rows"]:
        by_person.setdefault(row["person"], []).append(row["pay"])
    assert by_person["张书记"] == [points(3800)] * 3  # 1,300 + 5 × 500
    assert by_person["李委员"] == [points(2660)] * 3  # 70% of 3,800
    assert by_person["赵书记"] == [points(3300)] * 3  # 1,300 + 4 × 500
    assert "钱书记" not in by_person  # another street's
    assert sheet["total"] == 3 * (3800 + 2660 + 3300)
    other = pay.pay_sheet(people.other_street, THIS_QUARTER)
    assert other["unpaid"] == [unrated.name] and other["total"] == 0
    last = pay.pay_sheet(people.street, LAST_QUARTER)  # nothing was in force before this quarter
    assert last["total"] == 0 and five.name in last["unpaid"]


def test_a_move_between_quarters_needs_a_reason_and_pays_from_its_day(plain_rating):
    people = plain_rating
    published(people)
    five = people.city.communities_of(people.street)[0]
    seat(people, five, "张书记", CommitteeSeat.Post.SECRETARY)
    second_month = months_of(THIS_QUARTER)[1]
    with pytest.raises(GovgridError) as refused:
        stars.adjust(people.users["district"], five.code, 3, second_month, "")
    assert refused.value.field == "reason"
    with pytest.raises(Exception) as refused:
        stars.adjust(people.users["street"], five.code, 3, second_month, "发生重大安全事故")
    assert getattr(refused.value, "status", None) == 403
    stars.adjust(people.users["district"], five.code, 3, second_month, "发生重大安全事故")
    sheet = pay.pay_sheet(people.street, THIS_QUARTER)
    assert [r["pay"] for r in sheet["rows"] if r["person"] == "张书记"] == [points(3800), points(2800), points(2800)]
    assert StarRecord.objects.filter(community=five).count() == 2  # the rating stays, the move is added


def test_a_move_up_to_five_stars_keeps_to_the_quota(plain_rating):
    people = plain_rating
    published(people, (100, 100, 100, 100, 100, 100, 80))
    seventh = people.city.communities_of(people.street)[6]
    with pytest.raises(Conflict) as refused:
        stars.adjust(people.users["district"], seventh.code, 5, THIS_QUARTER, "获评市级先进")
    assert refused.value.extra["code"] == "quota"


def test_a_new_scheme_and_pay_rule_next_quarter_leave_last_quarters_results_and_pay_sheet_unchanged(
    plain_rating, settings
):
    people = plain_rating
    round_ = published(people)
    five = people.city.communities_of(people.street)[0]
    seat(people, five, "张书记", CommitteeSeat.Post.SECRETARY)

    def pictures():
        out = io.StringIO()
        pay.write_csv(pay.pay_sheet(people.street, THIS_QUARTER), out)
        results = [(r["assessment"].community.code, r["assessment"].total, r["assessment"].stars, r["change"])
                   for r in stars.results(round_, [people.street.code])]  # fmt: skip
        scores = sorted(round_.assessments.values_list("community__code", "scores__criterion__code", "scores__points"))
        return out.getvalue(), results, scores

    before = pictures()
    newer = new_version(people.scheme, next_quarter(THIS_QUARTER), name="2027年细则")
    newer.criteria.filter(code="A1").update(max_points=40, name="班子配备（修订）")
    settings.RATING_RULES = {"default": {"base_pay": 2000, "pay_per_star": 800, "five_star_share": 0.1}}
    assert pictures() == before
    assert newer.version == 2 and round_.scheme_id == people.scheme.pk
