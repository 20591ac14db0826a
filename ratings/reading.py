"""What the API and the pages show of a round and of an assessment, to whom: an assessment is read
by whoever sees its community; each reviewer reads their own points beside the mean; the steps the
caller may take now come from ratings.steps."""

from django.urls import reverse
from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound
from grids.scopes import Scope

from . import steps
from .indicators import INDICATORS
from .models import Assessment, AssessmentStep, Criterion, Evidence, InspectionCheck, ReviewScore, quarter_label


def seen(user, assessment_id):
    assessment = (
        Assessment.objects.select_related("round__scheme", "round__district", "community")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or not Scope.for_user(user).sees(assessment.community.code):
        raise NotFound(_("No assessment %(id)s in your areas.") % {"id": assessment_id}, field="assessment")
    return assessment


def _number(value):
    return None if value is None else str(value)


def allowed_actions(scope, assessment):
    return [action for action in steps.STEPS if steps.allowed(scope, action, assessment)]


def row(assessment, scope):
    """An assessment in a list."""
    return {
        "id": assessment.pk,
        "community": assessment.community.code,
        "community_name": assessment.community.name,
        "quarter": quarter_label(assessment.round.quarter),
        "status": assessment.status,
        "status_label": assessment.get_status_display(),
        "version": assessment.version,
        "total": _number(assessment.total),
        "suggested_stars": assessment.suggested_stars,
        "stars": assessment.stars,
        "proposal_reason": assessment.proposal_reason,
        "actions": allowed_actions(scope, assessment),
    }


def detail(user, assessment):
    """An assessment with its criteria through the steps, its evidence and its steps."""
    scope = Scope.for_user(user)
    scores = {s.criterion_id: s for s in assessment.scores.all()}
    mine = {r.criterion_id: r for r in ReviewScore.objects.filter(assessment=assessment, reviewer=user)}
    checks = {c.criterion_id: c for c in InspectionCheck.objects.filter(assessment=assessment)}
    evidence = {}
    for item in Evidence.objects.filter(assessment=assessment).order_by("at", "id"):
        evidence.setdefault(item.criterion_id, []).append(_evidence(item))
    sections = []
    for criterion in assessment.round.scheme.criteria.select_related("section"):
        if not sections or sections[-1]["code"] != criterion.section.code:
            sections.append({"code": criterion.section.code, "name": criterion.section.name, "criteria": []})
        sections[-1]["criteria"].append(
            _criterion(criterion, scores.get(criterion.pk), mine.get(criterion.pk), checks.get(criterion.pk))
            | {"evidence": evidence.get(criterion.pk, [])}
        )
    return row(assessment, scope) | {
        "scheme": {
            "id": assessment.round.scheme_id,
            "name": assessment.round.scheme.name,
            "version": assessment.round.scheme.version,
            "min_reviewers": assessment.round.scheme.min_reviewers,
        },  # fmt: skip
        "sections": sections,
        "steps": [
            {
                "action": s.action,
                "label": str(steps.LABELS.get(s.action, s.action)),
                "from": s.from_status,
                "to": s.to_status,
                "by": _name(s.actor),
                "at": s.at,
                "reason": s.reason,
            }  # fmt: skip
            for s in AssessmentStep.objects.filter(assessment=assessment).select_related("actor__person")
        ],
    }


def _name(user):
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def _criterion(criterion, score, my_review, check):
    indicator = INDICATORS.get(criterion.indicator)
    return {
        "code": criterion.code,
        "name": criterion.name,
        "rule": criterion.rule,
        "kind": criterion.kind,
        "max_points": _number(criterion.max_points),
        "indicator": criterion.indicator or None,
        "indicator_label": str(indicator.label) if indicator else None,
        "unit": indicator.unit if indicator else None,
        "thresholds": criterion.thresholds,
        "deductions": criterion.deductions,
        "value": _number(score and score.value),
        "value_shown": _number(indicator.shown(score.value)) if indicator and score else None,
        "self_points": _number(score and score.self_points),
        "self_note": score.self_note if score else "",
        "review_points": _number(score and score.review_points),
        "reviewers": score.reviewers if score else 0,
        "my_review": {"points": _number(my_review.points), "comment": my_review.comment} if my_review else None,
        "deducted": _number(score and score.deducted),
        "deductions_found": check.deductions if check else [],
        "inspection_note": check.note if check else "",
        "points": _number(score and score.points),
    }


def _evidence(item):
    return {
        "id": item.pk,
        "stage": item.stage,
        "text": item.text,
        "file": reverse("rating-evidence-file", args=[item.pk]) if item.file else None,
        "content_type": item.content_type or None,
        "lon": round(item.location.x, 7) if item.location else None,
        "lat": round(item.location.y, 7) if item.location else None,
        "at": item.at,
    }


def criteria_count(assessment, kind=Criterion.Kind.SCORED):
    return assessment.round.scheme.criteria.filter(kind=kind).count()
