"""A quarter's rating, step by step: the district opens the round; each community assesses itself
(its computed criteria filled in from the figures and locked when it submits); the street's
reviewers score it at the public defence and the street closes the review; the street inspects on
site (deductions, located photos); the street proposes the stars, at most its five-star quota; the
district publishes them, and they are in force from the next quarter with the pay rule of the day.

Each change locks its assessment's row, checks the step (ratings.steps) and the version the client
read (409 when stale), and writes its step row in the same transaction."""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import Forbidden, Scope
from incidents.photos import check_photo

from . import schemes, steps
from .models import (
    Assessment,
    AssessmentStep,
    Criterion,
    Evidence,
    InspectionCheck,
    ReviewScore,
    Round,
    Score,
    StarRecord,
)
from .rules import five_star_quota, rules_for

Status = Assessment.Status
ZERO = Decimal(0)
REASON_LENGTH = 500


# --- the round ------------------------------------------------------------------------------------


def open_round(user, district_code, day):
    """The district's round for the quarter holding `day`, with an assessment (and a score row per
    criterion) for every community; opening it again gives the same round."""
    scope = Scope.for_user(user)
    district = Area.objects.filter(code=district_code, level=Level.DISTRICT).first()
    if district is None or not scope.sees(district_code):
        raise NotFound(_("No area has the code %(code)s.") % {"code": district_code}, field="district")
    if not steps.district_staff(scope, district_code):
        raise Forbidden(_("The district's staff open a quarter's rating."), field="district")
    quarter = schemes.quarter_of(day)
    scheme = schemes.scheme_in_force(district, quarter)
    now = timezone.now()
    with transaction.atomic():
        round_, created = Round.objects.get_or_create(
            district=district,
            quarter=quarter,
            defaults={
                "scheme": scheme,
                "five_star_share": rules_for(district_code).five_star_share,
                "opened_by": user,
                "opened_at": now,
            },
        )
        if created:
            criteria = list(scheme.criteria.all())
            communities = Area.objects.filter(level=Level.COMMUNITY, code__startswith=district_code)
            made = Assessment.objects.bulk_create(
                Assessment(round=round_, community=community, changed_at=now) for community in communities
            )
            Score.objects.bulk_create(Score(assessment=a, criterion=c) for a in made for c in criteria)
    return round_, created


def round_of(district_code, quarter_text, field="quarter"):
    """The round of a district and a quarter written 2026Q3, or 404 naming the field."""
    quarter = parse_quarter(quarter_text, field)
    round_ = Round.objects.select_related("scheme", "district").filter(district__code=district_code, quarter=quarter)
    found = round_.first()
    if found is None:
        raise NotFound(_("No rating for %(quarter)s.") % {"quarter": quarter_text}, field=field)
    return found


def parse_quarter(text, field="quarter"):
    from datetime import date

    text = (text or "").strip().upper()
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        raise GovgridError(_("A quarter is written like 2026Q3."), field=field)
    year = int(text[:4])
    if not 1900 <= year <= 2999:
        raise GovgridError(_("A quarter is written like 2026Q3."), field=field)
    return date(year, 3 * (int(text[5]) - 1) + 1, 1)


# --- taking a step ----------------------------------------------------------------------------------


def _take(user, assessment_id, action, version=None):
    """The assessment, locked, when this user may take `action` on it now; else 404, 403 or 409."""
    scope = Scope.for_user(user)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round__scheme", "round__district", "community")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or not scope.sees(assessment.community.code):
        raise NotFound(_("No assessment %(id)s in your areas.") % {"id": assessment_id}, field="assessment")
    step = steps.STEPS[action]
    if not step.who(scope, assessment.community.code):
        raise Forbidden(_("This step is not yours to take."), field="assessment")
    if assessment.status not in step.sources:
        raise Conflict(
            _("The assessment is %(status)s: this step cannot be taken now.")
            % {"status": assessment.get_status_display()},
            field="assessment",
            code="wrong_status",
        )
    if version is not None and version != assessment.version:
        raise Conflict(_("The assessment was changed meanwhile: read it again."), field="version", code="stale_version")
    return assessment


def _moved(assessment, action, user, now, reason="", **details):
    target = steps.STEPS[action].target
    before = assessment.status
    if target is not None:
        assessment.status = target
    assessment.version += 1
    assessment.changed_at = now
    assessment.save()
    AssessmentStep.objects.create(
        assessment=assessment,
        action=action,
        from_status=before,
        to_status=assessment.status,
        actor=user,
        at=now,
        reason=reason,
        details=details,
    )


def _reason(text, required=True):
    return checked_text(text, "reason", REASON_LENGTH, _("Give a reason.") if required else None)


def _points(value, criterion, field):
    try:
        points = Decimal(str(value))
    except ArithmeticError:
        points = None
    if points is None or not points.is_finite() or not ZERO <= points <= criterion.max_points:
        raise GovgridError(
            _("%(code)s: points from 0 to %(most)s.") % {"code": criterion.code, "most": criterion.max_points},
            field=field,
        )
    return points.quantize(Decimal("0.01"))


def _criteria(assessment, kind=None):
    criteria = assessment.round.scheme.criteria.select_related("section")
    return {c.code: c for c in (criteria.filter(kind=kind) if kind else criteria)}


def _named(given, criteria, field):
    unknown = sorted(set(given) - set(criteria))
    if unknown:
        raise GovgridError(_("No criterion %(codes)s to score here.") % {"codes": ", ".join(unknown)}, field=field)


# --- the community's self-assessment --------------------------------------------------------------------


def save_own_scores(user, assessment_id, scores, version=None):
    """The community's own points and notes for criteria scored by people ({code: {points, note}});
    a draft, saved as often as wanted until it is submitted."""
    with transaction.atomic():
        assessment = _take(user, assessment_id, "save", version)
        criteria = _criteria(assessment, Criterion.Kind.SCORED)
        _named(scores, criteria, "scores")
        for code, given in scores.items():
            points = _points(given.get("points"), criteria[code], f"scores.{code}")
            note = (given.get("note") or "").strip()[:4000]
            Score.objects.filter(assessment=assessment, criterion=criteria[code]).update(
                self_points=points, self_note=note
            )
        _moved(assessment, "save", user, timezone.now(), details_codes=sorted(scores))
    return assessment


def quarter_period(quarter, today=None):
    """The days a quarter's figures count: from its first day to its end, or to today when it is
    not over yet: [since, until)."""
    today = today or timezone.localdate()
    return quarter, min(schemes.next_quarter(quarter), today + timedelta(days=1))


def computed_values(round_, codes, today=None):
    """{community code: {criterion code: (value, points)}} of the round's computed criteria for the
    communities `codes`, over the quarter's period."""
    since, until = quarter_period(round_.quarter, today)
    found = schemes.computed_points(round_.scheme, round_.district.code, Level.COMMUNITY, since, until)
    empty = schemes.computed_points_of(round_.scheme, {})
    return {code: found.get(code, empty) for code in codes}


def submit_self_assessment(user, assessment_id, version=None, today=None, computed=None):
    """Submitted: every criterion scored by people has its points; the computed ones are filled in
    from the quarter's figures and locked. `computed`, the round's computed_values for all its
    communities read once, spares reading them again for each (the demo's year)."""
    with transaction.atomic():
        assessment = _take(user, assessment_id, "self_assess", version)
        missing = list(
            assessment.scores.filter(criterion__kind=Criterion.Kind.SCORED, self_points__isnull=True)
            .order_by("criterion__code")
            .values_list("criterion__code", flat=True)
        )
        if missing:
            raise GovgridError(
                _("Give your points for %(codes)s first.") % {"codes": ", ".join(missing)}, field="scores"
            )
        code = assessment.community.code
        computed = (computed or computed_values(assessment.round, [code], today))[code]
        for score in assessment.scores.select_related("criterion").filter(criterion__kind=Criterion.Kind.COMPUTED):
            score.value, score.self_points = computed[score.criterion.code]
            score.save(update_fields=["value", "self_points"])
        total = sum(assessment.scores.values_list("self_points", flat=True), ZERO)
        _moved(assessment, "self_assess", user, timezone.now(), self_total=str(total))
    return assessment


def return_to_community(user, assessment_id, reason, version=None):
    reason = _reason(reason)
    with transaction.atomic():
        assessment = _take(user, assessment_id, "return", version)
        ReviewScore.objects.filter(assessment=assessment).delete()
        Score.objects.filter(assessment=assessment).update(review_points=None, reviewers=0)
        _moved(assessment, "return", user, timezone.now(), reason)
    return assessment


# --- the street's review at the public defence ----------------------------------------------------


def review(user, assessment_id, scores):
    """One reviewer's points (and comments) for the criteria scored by people: {code: {points,
    comment}}; given again, they replace the reviewer's own. The means are kept on the scores."""
    now = timezone.now()
    with transaction.atomic():
        assessment = _take(user, assessment_id, "review")
        criteria = _criteria(assessment, Criterion.Kind.SCORED)
        _named(scores, criteria, "scores")
        for code, given in scores.items():
            points = _points(given.get("points"), criteria[code], f"scores.{code}")
            comment = (given.get("comment") or "").strip()[:1000]
            ReviewScore.objects.update_or_create(
                assessment=assessment,
                criterion=criteria[code],
                reviewer=user,
                defaults={"points": points, "comment": comment, "at": now},
            )
        _keep_means(assessment)
        _moved(assessment, "review", user, now, codes=sorted(scores))
    return assessment


def _keep_means(assessment):
    means = (
        ReviewScore.objects.filter(assessment=assessment)
        .values("criterion_id")
        .annotate(mean=Avg("points"), n=Count("reviewer", distinct=True))
    )
    for row in means:
        Score.objects.filter(assessment=assessment, criterion_id=row["criterion_id"]).update(
            review_points=Decimal(row["mean"]).quantize(Decimal("0.01")), reviewers=row["n"]
        )


def complete_reviewers(assessment):
    """The reviewers who scored every criterion scored by people."""
    scored = assessment.round.scheme.criteria.filter(kind=Criterion.Kind.SCORED).count()
    rows = (
        ReviewScore.objects.filter(assessment=assessment)
        .values("reviewer_id")
        .annotate(n=Count("criterion", distinct=True))
        .filter(n=scored)
    )
    return [row["reviewer_id"] for row in rows]


def close_review(user, assessment_id, version=None):
    with transaction.atomic():
        assessment = _take(user, assessment_id, "close_review", version)
        needed = assessment.round.scheme.min_reviewers
        complete = complete_reviewers(assessment)
        if len(complete) < needed:
            raise Conflict(
                _("%(n)d reviewers scored every criterion; the scheme asks for %(needed)d.")
                % {"n": len(complete), "needed": needed},
                field="assessment",
                code="too_few_reviewers",
            )
        _moved(assessment, "close_review", user, timezone.now(), reviewers=len(complete))
    return assessment


# --- the site inspection ----------------------------------------------------------------------------


def inspect(user, assessment_id, checks, version=None):
    """The site inspection: for any criterion, the deductions found (codes of the criterion's own)
    and a note: {code: {deductions: [...], note}}. Each criterion then counts for its reviewed (or
    computed) points less what was deducted, never below 0; the total gives the stars by the points."""
    now = timezone.now()
    with transaction.atomic():
        assessment = _take(user, assessment_id, "inspect", version)
        criteria = _criteria(assessment)
        _named(checks, criteria, "checks")
        for code, given in checks.items():
            criterion = criteria[code]
            known = {d["code"]: Decimal(str(d["points"])) for d in criterion.deductions}
            chosen = list(dict.fromkeys(given.get("deductions") or []))
            wrong = [d for d in chosen if d not in known]
            if wrong:
                raise GovgridError(
                    _("%(code)s has no deduction %(wrong)s.") % {"code": code, "wrong": ", ".join(map(str, wrong))},
                    field=f"checks.{code}",
                )
            InspectionCheck.objects.create(
                assessment=assessment,
                criterion=criterion,
                deductions=chosen,
                deducted=min(sum((known[d] for d in chosen), ZERO), criterion.max_points),
                note=(given.get("note") or "").strip()[:1000],
                inspector=user,
                at=now,
            )
        total = _count_points(assessment)
        scheme = assessment.round.scheme
        assessment.total = total
        assessment.suggested_stars = schemes.stars_for(scheme, total, schemes.max_points(scheme.criteria.all()))
        _moved(assessment, "inspect", user, now, total=str(total))
    return assessment


def _count_points(assessment):
    deducted = dict(InspectionCheck.objects.filter(assessment=assessment).values_list("criterion_id", "deducted"))
    total = ZERO
    for score in assessment.scores.select_related("criterion"):
        base = score.self_points if score.criterion.kind == Criterion.Kind.COMPUTED else score.review_points
        score.deducted = deducted.get(score.criterion_id, ZERO)
        score.points = max(ZERO, (base or ZERO) - score.deducted)
        score.save(update_fields=["deducted", "points"])
        total += score.points
    return total


# --- the street's proposal, the quota, the publication ----------------------------------------------


def street_code(code):
    return code[: CODE_LENGTH[Level.STREET]]


def _street_assessments(round_, street):
    """The round's assessments in a street, locked in one order (two proposals in one street wait
    for each other, so the quota is counted once at a time)."""
    return list(
        Assessment.objects.select_for_update(of=("self",))
        .select_related("community", "round__scheme")
        .filter(round=round_, community__code__startswith=street)
        .order_by("id")
    )


def quota_of(round_, street_assessments):
    return five_star_quota(round_.five_star_share, len(street_assessments))


def propose(user, assessment_id, stars, reason="", version=None):
    """The street proposes a community's stars: a reason when they differ from the stars by the
    points; a fifth star only within the street's quota (409 `quota` naming it)."""
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise GovgridError(_("Stars from 1 to 5."), field="stars")
    reason = _reason(reason, required=False)
    with transaction.atomic():
        first = Assessment.objects.select_related("round", "community").filter(pk=assessment_id).first()
        if first is None or not Scope.for_user(user).sees(first.community.code):
            raise NotFound(_("No assessment %(id)s in your areas.") % {"id": assessment_id}, field="assessment")
        street = _street_assessments(first.round, street_code(first.community.code))
        assessment = _take(user, assessment_id, "propose", version)
        if stars != assessment.suggested_stars and not reason:
            raise GovgridError(
                _("The points give %(n)d stars: give a reason for %(stars)d.")
                % {"n": assessment.suggested_stars, "stars": stars},
                field="reason",
            )
        if stars == 5:
            _check_quota(assessment.round, street, assessment)
        assessment.stars, assessment.proposal_reason = stars, reason
        _moved(assessment, "propose", user, timezone.now(), reason, stars=stars)
    return assessment


def _check_quota(round_, street, assessment):
    quota = quota_of(round_, street)
    five = [
        a for a in street if a.pk != assessment.pk and a.stars == 5 and a.status in (Status.PROPOSED, Status.PUBLISHED)
    ]
    if len(five) + 1 > quota:
        raise Conflict(
            _(
                "At most %(quota)d of the street's %(n)d communities may be five-star (%(share)s%%); "
                "%(taken)d already are: %(names)s."
            )
            % {
                "quota": quota,
                "n": len(street),
                "share": f"{100 * round_.five_star_share:g}",
                "taken": len(five),
                "names": "、".join(a.community.name for a in five) or "—",
            },
            field="stars",
            code="quota",
        )


def propose_by_points(user, round_, street):
    """The street's stars by the points for every inspected community not yet proposed: the fifth
    star to the best within the quota (by points; a tie at the quota's edge gives four to all those
    tied, leaving the place to the street's own proposal with a reason)."""
    now = timezone.now()
    scope = Scope.for_user(user)
    if not steps.street_staff(scope, street):
        raise Forbidden(_("This step is not yours to take."), field="street")
    with transaction.atomic():
        rows = _street_assessments(round_, street)
        if not rows:
            raise NotFound(_("No area has the code %(code)s.") % {"code": street}, field="street")
        waiting = [a for a in rows if a.status == Status.INSPECTED]
        taken = sum(1 for a in rows if a.stars == 5 and a.status in (Status.PROPOSED, Status.PUBLISHED))
        places = max(0, quota_of(round_, rows) - taken)
        hopefuls = sorted((a for a in waiting if a.suggested_stars == 5), key=lambda a: -a.total)
        granted = set()
        if len(hopefuls) <= places:
            granted = {a.pk for a in hopefuls}
        elif places:
            edge = hopefuls[places - 1].total
            granted = {a.pk for a in hopefuls[:places] if a.total > edge or hopefuls[places].total < edge}
        for assessment in waiting:
            stars = assessment.suggested_stars
            reason = ""
            if stars == 5 and assessment.pk not in granted:
                stars, reason = 4, _("beyond the street's five-star quota")
            assessment.stars, assessment.proposal_reason = stars, reason
            _moved(assessment, "propose", user, now, reason, stars=stars, by_points=True)
    return waiting


def publish(user, round_, street):
    """The district publishes a street's stars once every community of it is proposed; they are in
    force from the first day of the next quarter, with the pay rule of today."""
    scope = Scope.for_user(user)
    if not steps.district_staff(scope, street):
        raise Forbidden(_("The district publishes the stars."), field="street")
    now = timezone.now()
    rules = rules_for(round_.district.code)
    with transaction.atomic():
        rows = _street_assessments(round_, street)
        if not rows:
            raise NotFound(_("No area has the code %(code)s.") % {"code": street}, field="street")
        waiting = [a.community.name for a in rows if a.status != Status.PROPOSED]
        if waiting:
            raise Conflict(
                _("Not every community is proposed yet: %(names)s.") % {"names": "、".join(waiting[:10])},
                field="street",
                code="not_proposed",
            )
        if sum(1 for a in rows if a.stars == 5) > quota_of(round_, rows):
            raise Conflict(_("More five-star communities than the quota."), field="street", code="quota")
        effective = schemes.next_quarter(round_.quarter)
        for assessment in rows:
            _moved(assessment, "publish", user, now)
            StarRecord.objects.create(
                community=assessment.community,
                stars=assessment.stars,
                effective_from=effective,
                kind=StarRecord.Kind.RATING,
                assessment=assessment,
                base_pay=rules.base_pay,
                pay_per_star=rules.pay_per_star,
                others_share=rules.others_share,
                by=user,
                at=now,
            )
    return rows


# --- evidence ---------------------------------------------------------------------------------------

EVIDENCE_TEXT = 4000
PDF = "application/pdf"


def add_evidence(user, assessment_id, criterion_code, text="", upload=None, location=None):
    """Evidence for a criterion: a text and/or a file, a photo (kept without its metadata) or a PDF.
    The community gives it while it assesses itself; the street at the site inspection, where a
    photo must say where it was taken, within RATING_PHOTO_MAX_DISTANCE_M of the community."""
    text = checked_text(text, "text", EVIDENCE_TEXT)
    if not text and upload is None:
        raise GovgridError(_("Give a text or a file."), field="text")
    kept = _kept_file(upload) if upload is not None else None
    with transaction.atomic():
        probe = Assessment.objects.filter(pk=assessment_id).values_list("status", flat=True).first()
        action = "inspection_photo" if probe == Status.REVIEWED else "evidence"
        assessment = _take(user, assessment_id, action)
        criterion = _criteria(assessment).get(criterion_code)
        if criterion is None:
            raise GovgridError(
                _("No criterion %(codes)s to score here.") % {"codes": criterion_code}, field="criterion"
            )
        stage = Evidence.Stage.INSPECTION if action == "inspection_photo" else Evidence.Stage.SELF
        if stage == Evidence.Stage.INSPECTION and kept and kept[1] != PDF:
            _check_taken_there(assessment.community, location)
        evidence = Evidence(
            assessment=assessment, criterion=criterion, stage=stage, text=text, location=location, given_by=user,
            at=timezone.now(),
        )  # fmt: skip
        if kept:
            data, content_type, digest, extension = kept
            evidence.content_type, evidence.sha256, evidence.size = content_type, digest, len(data)
            evidence.file.save(
                f"{assessment.pk}-{criterion.code}-{digest[:12]}.{extension}", ContentFile(data), save=False
            )
        evidence.save()
        _moved(assessment, action, user, evidence.at, criterion=criterion.code)
    return evidence


def _kept_file(upload):
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        if upload.size > settings.EVIDENCE_PDF_MAX_BYTES:
            raise GovgridError(
                _("File %(name)s is %(size)d KB; the limit is %(limit)d KB.")
                % {"name": upload.name, "size": upload.size // 1024, "limit": settings.EVIDENCE_PDF_MAX_BYTES // 1024},
                field="file",
            )
        data = upload.read()
        return data, PDF, hashlib.sha256(data).hexdigest(), "pdf"
    try:
        data, content_type, digest = check_photo(upload, field="file")
    except GovgridError:
        raise GovgridError(
            _("File %(name)s is neither a photo (JPEG, PNG, WebP) nor a PDF.") % {"name": upload.name}, field="file"
        ) from None
    return data, content_type, digest, {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[content_type]


def _check_taken_there(community, location):
    if location is None:
        raise GovgridError(_("Say where the inspection's photo was taken."), field="lon")
    metres = (
        Area.objects.filter(pk=community.pk)
        .annotate(d=Distance("geom", location, spheroid=True))
        .values_list("d", flat=True)
        .first()
    )
    if metres.m > settings.RATING_PHOTO_MAX_DISTANCE_M:
        raise GovgridError(
            _("The photo was taken %(m)d m from the community; at most %(limit)d m.")
            % {"m": metres.m, "limit": settings.RATING_PHOTO_MAX_DISTANCE_M},
            field="lon",
        )
