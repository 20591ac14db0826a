"""Communities rated by stars (星级评定): the district's rating schemes, versioned, with their
criteria; each quarter's round, in which every community is assessed in three steps (self-assessment,
the street's review after the public defence, the site inspection), the street proposes its stars
and the district publishes them; the stars in force, with the pay rule they were published under;
and the community Party committees' seats the pay sheet pays.

A scheme a round has used is frozen at the database (ratings/migrations/0002_frozen_and_append_only.py):
a new quarter's changes are a new version, so past results never change. The stars in force and an
assessment's steps are append-only there too."""

from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from grids.models import Area, PartyOrg, Person

POINTS = {"max_digits": 6, "decimal_places": 2}
STARS = [MinValueValidator(1), MaxValueValidator(5)]


def default_bands():
    """The least share of the scheme's points (in %) for each number of stars; below the lowest, one."""
    return {"5": 90, "4": 80, "3": 70, "2": 60}


class Scheme(models.Model):
    """A district's rating scheme (考评细则) from a quarter on, until the next version's quarter."""

    district = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="rating_schemes",
        limit_choices_to={"level": "district"},
    )
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from (the first day of a quarter)"))
    star_bands = models.JSONField(_("least share of the points for each number of stars (%)"), default=default_bands)
    min_reviewers = models.PositiveSmallIntegerField(
        _("reviewers needed at the public defence"), default=3, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating scheme")
        verbose_name_plural = _("rating schemes")
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="ratings_scheme_version"),
            models.UniqueConstraint(fields=["district", "valid_from"], name="ratings_scheme_valid_from"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class Section(models.Model):
    """One of a scheme's areas of assessment (e.g. 队伍建设, team building)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("code"), max_length=8)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("area of assessment")
        verbose_name_plural = _("areas of assessment")
        ordering = ["scheme", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="ratings_section_code")]

    def __str__(self):
        return f"{self.code} {self.name}"


class Criterion(models.Model):
    """A criterion with its points: scored by people (with evidence), or computed from govgrid's own
    figures (an indicator of ratings.indicators and its thresholds)."""

    class Kind(models.TextChoices):
        SCORED = "scored", _("scored by people")
        COMPUTED = "computed", _("computed from the figures")

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="criteria")
    section = models.ForeignKey(
        Section, verbose_name=_("area of assessment"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=200)
    rule = models.TextField(_("scoring rule"), blank=True)
    max_points = models.DecimalField(_("points"), **POINTS, validators=[MinValueValidator(Decimal("0.5"))])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCORED)
    indicator = models.CharField(_("indicator"), max_length=40, blank=True)
    # [[at least, points], …], highest first: the points of the first threshold the value reaches.
    thresholds = models.JSONField(_("thresholds"), default=list, blank=True)
    none_points = models.DecimalField(
        _("points when there is nothing to count"), **POINTS, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    # [{"code": "d1", "name": "台账不全", "points": 1}, …]: what the site inspection may take off.
    deductions = models.JSONField(_("deductions"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["scheme", "section__position", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="ratings_criterion_code")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        from .schemes import check_criterion

        check_criterion(self)


class Round(models.Model):
    """A district's quarter of rating, under the scheme in force on its first day; the share of a
    street's communities that may be five-star is the setting's when the round was opened."""

    district = models.ForeignKey(
        Area, verbose_name=_("district"), on_delete=models.PROTECT, related_name="rating_rounds"
    )
    quarter = models.DateField(_("quarter (its first day)"))
    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="rounds")
    five_star_share = models.DecimalField(
        _("largest share of five-star communities in a street"), max_digits=4, decimal_places=3
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"))

    class Meta:
        verbose_name = _("rating round")
        verbose_name_plural = _("rating rounds")
        ordering = ["district", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["district", "quarter"], name="ratings_round_quarter")]

    def __str__(self):
        return f"{self.district.name} {quarter_label(self.quarter)}"


def quarter_label(first_day):
    return f"{first_day.year}Q{(first_day.month - 1) // 3 + 1}"


class Assessment(models.Model):
    """One community's assessment in a round, step by step (ratings.steps says which step leads
    where and who takes it)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("self-assessment under way")
        SELF_ASSESSED = "self_assessed", _("self-assessed, at the public defence")
        REVIEWED = "reviewed", _("reviewed, to inspect on site")
        INSPECTED = "inspected", _("inspected, stars to propose")
        PROPOSED = "proposed", _("stars proposed")
        PUBLISHED = "published", _("published")

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="assessments")
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    total = models.DecimalField(_("points"), **POINTS, null=True, blank=True)
    suggested_stars = models.PositiveSmallIntegerField(
        _("stars by the points"), null=True, blank=True, validators=STARS
    )
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True, validators=STARS)
    proposal_reason = models.CharField(_("reason for the proposal"), max_length=500, blank=True)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["round", "community__code"]
        constraints = [models.UniqueConstraint(fields=["round", "community"], name="ratings_assessment_once")]

    def __str__(self):
        return f"{self.community.name} {quarter_label(self.round.quarter)}"


class Score(models.Model):
    """A criterion of one assessment through the steps: the community's own points (or the computed
    value and its points, locked at the self-assessment), the reviewers' mean, the inspection's
    deductions, and the points it finally counts for."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    self_points = models.DecimalField(**POINTS, null=True, blank=True)
    self_note = models.TextField(blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    review_points = models.DecimalField(**POINTS, null=True, blank=True)
    reviewers = models.PositiveSmallIntegerField(default=0)
    deducted = models.DecimalField(**POINTS, default=Decimal(0))
    points = models.DecimalField(**POINTS, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="ratings_score_once")]


class ReviewScore(models.Model):
    """One reviewer's points for a criterion at the street's public defence (述职评议)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="review_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(**POINTS)
    comment = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion", "reviewer"], name="ratings_review_once")
        ]


class InspectionCheck(models.Model):
    """The site inspection's check of a criterion: the deductions found (codes of the criterion's)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    deductions = models.JSONField(default=list)
    deducted = models.DecimalField(**POINTS, default=Decimal(0))
    note = models.CharField(max_length=1000, blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="ratings_check_once")]


class Evidence(models.Model):
    """What shows a criterion is met: a text, a photo (cleaned of its metadata; located at the site
    inspection) or a PDF, given at the self-assessment or the inspection."""

    class Stage(models.TextChoices):
        SELF = "self", _("self-assessment")
        INSPECTION = "inspection", _("site inspection")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to="ratings/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    location = models.PointField(srid=4326, null=True, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class AssessmentStep(models.Model):
    """Every step of an assessment, append-only: who took it, when, and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class StarRecord(models.Model):
    """A community's stars from a day on, append-only: a published rating (in force from the first day
    of the quarter after its own) or a move up or down between quarters with its reason. Each keeps
    the pay rule it was published under, so a rule changed later never rewrites a past pay sheet."""

    class Kind(models.TextChoices):
        RATING = "rating", _("quarterly rating")
        ADJUSTMENT = "adjustment", _("moved between quarters")

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="star_records"
    )
    stars = models.PositiveSmallIntegerField(_("stars"), validators=STARS)
    effective_from = models.DateField(_("in force from"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    base_pay = models.DecimalField(_("secretary's base pay a month"), max_digits=9, decimal_places=2)
    pay_per_star = models.DecimalField(_("pay per star a month"), max_digits=9, decimal_places=2)
    others_share = models.DecimalField(
        _("other members' share of their secretary's pay"), max_digits=4, decimal_places=3
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("stars in force")
        verbose_name_plural = _("stars in force")
        ordering = ["community", "effective_from", "at", "id"]


class CommitteeSeat(models.Model):
    """A seat on a community's Party committee (or branch committee), from a day until an end: the
    secretary's and the other members', whom the pay sheet pays."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("secretary")
        MEMBER = "member", _("committee member")

    party_org = models.ForeignKey(
        PartyOrg, verbose_name=_("Party organisation"), on_delete=models.CASCADE, related_name="seats"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="committee_seats"
    )
    post = models.CharField(_("post"), max_length=10, choices=Post.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (not included)"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee seat")
        verbose_name_plural = _("committee seats")
        ordering = ["party_org", "post", "starts_on"]

    def __str__(self):
        return f"{self.party_org} {self.get_post_display()} {self.person}"


def purge_district(code):
    """Delete every rating record of a district (demo reloads, tests): schemes used by a round are
    otherwise frozen, and stars and steps append-only; the triggers let this transaction through."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:  # the setting migration 0002's triggers read
            cursor.execute("SET LOCAL govgrid.purge_ratings = 'on'")
        StarRecord.objects.filter(community__code__startswith=code).delete()
        AssessmentStep.objects.filter(assessment__community__code__startswith=code).delete()
        Assessment.objects.filter(community__code__startswith=code).delete()
        Round.objects.filter(district__code=code).delete()
        Scheme.objects.filter(district__code=code).delete()
        CommitteeSeat.objects.filter(party_org__area__code__startswith=code).delete()
