"""A quarter's rating through its steps, at the services: who takes which step, the computed
criteria locked at the self-assessment, the reviewers' mean, the inspection's deductions, the quota
of five-star communities, publication and the stars in force from the next quarter."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, InternalError, connection, transaction

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.scopes import Forbidden
from ratings import assessing
from ratings.models import Assessment, AssessmentStep, Criterion, Score

from .conftest import LAST_QUARTER, points, scored, walk_to_inspected


def opened(rating):
    round_, created = assessing.open_round(rating.users["district"], rating.city.code, LAST_QUARTER)
    assert created
    return round_


def first(round_, rating):
    return Assessment.objects.get(round=round_, community=rating.city.communities[0])


def test_the_district_opens_a_quarter_with_an_assessment_for_every_community(rating):
    round_ = opened(rating)
    assert round_.scheme == rating.scheme and round_.five_star_share == points("0.2")
    assert round_.assessments.count() == 60
    assert Score.objects.filter(assessment__round=round_).count() == 60 * 22
    again, created = assessing.open_round(rating.users["district"], rating.city.code, LAST_QUARTER + timedelta(days=40))
    assert again == round_ and not created
    with pytest.raises(NotFound):  # a street's staff do not see the district
        assessing.open_round(rating.users["street"], rating.city.code, LAST_QUARTER)


def test_the_community_saves_and_submits_and_the_computed_criteria_are_locked(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    sun = rating.users["community"]
    some = dict(list(scored(rating.scheme).items())[:3])
    assessing.save_own_scores(sun, assessment.pk, some)
    with pytest.raises(GovgridError) as refused:
        assessing.submit_self_assessment(sun, assessment.pk)
    assert refused.value.field == "scores" and "A5, B1" in str(refused.value.message)
    assessing.save_own_scores(sun, assessment.pk, scored(rating.scheme))
    assessing.submit_self_assessment(sun, assessment.pk)
    assessment.refresh_from_db()
    assert assessment.status == "self_assessed"
    computed = {s.criterion.indicator: s for s in Score.objects.filter(
        assessment=assessment, criterion__kind=Criterion.Kind.COMPUTED).select_related("criterion")}  # fmt: skip
    # A drawn city with nobody serving: no grid fully covered; no case, link or item: nothing to
    # count, so those criteria get the points the scheme gives when there is nothing to count.
    assert computed.pop("coverage_full").value == 0
    assert {s.value for s in computed.values()} == {None}
    assert all(s.self_points == s.criterion.none_points for s in computed.values())
    assert {s.criterion.code: s.self_points for s in computed.values() if s.self_points} == {
        "B3": points(2), "D4": points(3), "E3": points(3)}  # fmt: skip
    with pytest.raises(Conflict):  # submitted: locked for the community
        assessing.save_own_scores(sun, assessment.pk, scored(rating.scheme))


def test_only_the_community_itself_assesses_itself(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    with pytest.raises(Forbidden):
        assessing.save_own_scores(rating.users["street"], assessment.pk, scored(rating.scheme))
    with pytest.raises(NotFound):  # another street's community staff do not see it at all
        assessing.save_own_scores(rating.users["other"], assessment.pk, scored(rating.scheme))


def test_bad_points_are_refused_naming_the_criterion(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    for given, field in (({"A1": {"points": "4.5"}}, "scores.A1"), ({"A1": {"points": "abc"}}, "scores.A1"),
                         ({"A1": {"points": "-1"}}, "scores.A1"), ({"A3": {"points": "1"}}, "scores"),
                         ({"Z9": {"points": "1"}}, "scores"), ({"A1": {"points": "NaN"}}, "scores.A1")):  # fmt: skip
        with pytest.raises(GovgridError) as refused:
            assessing.save_own_scores(rating.users["community"], assessment.pk, given)
        assert refused.value.field == field
    assert not Score.objects.filter(assessment=assessment, self_points__isnull=False).exists()


def test_the_review_is_the_mean_of_its_reviewers_and_needs_three(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    assessing.save_own_scores(rating.users["community"], assessment.pk, scored(rating.scheme))
    assessing.submit_self_assessment(rating.users["community"], assessment.pk)
    assessing.review(rating.users["reviewer_chen"], assessment.pk, scored(rating.scheme, lambda c: c.max_points))
    assessing.review(rating.users["reviewer_zhao"], assessment.pk, scored(rating.scheme, lambda c: c.max_points - 1))
    with pytest.raises(Conflict) as refused:
        assessing.close_review(rating.users["street"], assessment.pk)
    assert refused.value.extra["code"] == "too_few_reviewers"
    assessing.review(rating.users["street"], assessment.pk, scored(rating.scheme, lambda c: c.max_points - 2))
    assessing.close_review(rating.users["street"], assessment.pk)
    a1 = Score.objects.get(assessment=assessment, criterion__code="A1")
    assert (a1.review_points, a1.reviewers) == (points(3), 3)  # (4 + 3 + 2) / 3
    with pytest.raises(Forbidden):  # the community does not review itself
        assessing.review(rating.users["community"], assessment.pk, scored(rating.scheme))


def test_the_inspection_deducts_and_the_points_give_the_stars(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    done = walk_to_inspected(
        rating, assessment, checks={"B1": {"deductions": ["ledger", "signs"], "note": "缺两次记录"}}
    )
    b1 = Score.objects.get(assessment=done, criterion__code="B1")
    assert (b1.deducted, b1.points) == (points(2), points(3))
    # 14 scored criteria at full points (59) less 2, and 8 computed ones with nothing to count (8).
    scored_most = sum(c.max_points for c in rating.scheme.criteria.filter(kind=Criterion.Kind.SCORED))
    assert done.total == scored_most - 2 + 8 == points(65)
    assert done.suggested_stars == 2  # 65 of 100: the two-star band (60%)
    with pytest.raises(GovgridError) as refused:
        assessing.inspect(rating.users["street"], assessment.pk, {"B1": {"deductions": ["nope"]}})
    assert refused.value.field in ("checks.B1", "assessment")


def test_a_stale_version_is_refused(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    assessing.save_own_scores(rating.users["community"], assessment.pk, scored(rating.scheme), version=1)
    with pytest.raises(Conflict) as refused:
        assessing.save_own_scores(rating.users["community"], assessment.pk, scored(rating.scheme), version=1)
    assert refused.value.field == "version"


def test_the_street_can_return_a_self_assessment_with_a_reason(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    assessing.save_own_scores(rating.users["community"], assessment.pk, scored(rating.scheme))
    assessing.submit_self_assessment(rating.users["community"], assessment.pk)
    with pytest.raises(GovgridError):
        assessing.return_to_community(rating.users["street"], assessment.pk, " ")
    assessing.return_to_community(rating.users["street"], assessment.pk, "A2 缺述职报告")
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    step = AssessmentStep.objects.filter(assessment=assessment).last()
    assert (step.action, step.reason) == ("return", "A2 缺述职报告")


def test_steps_are_append_only_at_the_database(rating):
    round_ = opened(rating)
    assessment = first(round_, rating)
    assessing.save_own_scores(rating.users["community"], assessment.pk, scored(rating.scheme))
    step = AssessmentStep.objects.get(assessment=assessment)
    for statement in ("UPDATE ratings_assessmentstep SET reason = 'x' WHERE id = %s",
                      "DELETE FROM ratings_assessmentstep WHERE id = %s"):  # fmt: skip
        with pytest.raises(InternalError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [step.pk])


def test_a_used_scheme_is_frozen_at_the_database(rating):
    opened(rating)
    criterion = rating.scheme.criteria.get(code="A1")
    criterion.max_points = 10
    with pytest.raises(DatabaseError, match="make a new version"), transaction.atomic():
        criterion.save()
    with pytest.raises(DatabaseError, match="make a new version"), transaction.atomic():
        connection.cursor().execute(
            "DELETE FROM ratings_criterion WHERE id = %s", [rating.scheme.criteria.get(code="A2").pk]
        )
    with pytest.raises(DatabaseError, match="make a new version"), transaction.atomic():
        rating.scheme.sections.create(code="F", name="新增")
