"""How the star rating's API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors

TAG = ["star rating"]


class SchemeRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class RoundRow(serializers.Serializer):
    district = serializers.CharField()
    district_name = serializers.CharField()
    quarter = serializers.CharField(help_text=_("Written 2026Q3."))
    scheme = SchemeRef()
    five_star_share = serializers.CharField(
        help_text=_("The largest share of a street's communities that may be five-star.")
    )
    opened_at = serializers.DateTimeField()


class AssessmentRow(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.CharField()
    community_name = serializers.CharField()
    quarter = serializers.CharField()
    status = serializers.CharField(help_text=_("draft, self_assessed, reviewed, inspected, proposed or published."))
    status_label = serializers.CharField()
    version = serializers.IntegerField(help_text=_("Send it back with a step: a stale one answers 409 stale_version."))
    total = serializers.CharField(allow_null=True, help_text=_("The points after the site inspection."))
    suggested_stars = serializers.IntegerField(allow_null=True, help_text=_("The stars the points give."))
    stars = serializers.IntegerField(allow_null=True, help_text=_("The stars proposed or published."))
    proposal_reason = serializers.CharField(allow_blank=True)
    actions = serializers.ListField(child=serializers.CharField(), help_text=_("The steps the caller may take now."))


class RoundDetail(RoundRow):
    assessments = AssessmentRow(many=True)


class EvidenceRow(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.CharField(help_text=_("self or inspection."))
    text = serializers.CharField(allow_blank=True)
    file = serializers.CharField(allow_null=True, help_text=_("The file's address, for those who see the community."))
    content_type = serializers.CharField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    at = serializers.DateTimeField()


class MyReview(serializers.Serializer):
    points = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)


class CriterionRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rule = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(help_text=_("scored (by people) or computed (from the figures)."))
    max_points = serializers.CharField()
    indicator = serializers.CharField(allow_null=True)
    indicator_label = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_null=True, help_text=_("share (0–1) or hours."))
    thresholds = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))
    deductions = serializers.ListField(child=serializers.DictField())
    value = serializers.CharField(
        allow_null=True, help_text=_("A computed criterion's value, locked at the self-assessment.")
    )
    value_shown = serializers.CharField(allow_null=True, help_text=_("The value as people read it (% for a share)."))
    self_points = serializers.CharField(allow_null=True)
    self_note = serializers.CharField(allow_blank=True)
    review_points = serializers.CharField(allow_null=True, help_text=_("The reviewers' mean."))
    reviewers = serializers.IntegerField()
    my_review = MyReview(allow_null=True)
    deducted = serializers.CharField(allow_null=True)
    deductions_found = serializers.ListField(child=serializers.CharField())
    inspection_note = serializers.CharField(allow_blank=True)
    points = serializers.CharField(allow_null=True, help_text=_("What the criterion counts for after the inspection."))
    evidence = EvidenceRow(many=True)


class SectionRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    criteria = CriterionRow(many=True)


class StepRow(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    to = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)


StepRow._declared_fields["from"] = serializers.CharField()  # a keyword in Python, a field in the answer


class SchemeDetail(SchemeRef):
    min_reviewers = serializers.IntegerField()


class AssessmentDetail(AssessmentRow):
    scheme = SchemeDetail()
    sections = SectionRow(many=True)
    steps = StepRow(many=True)


class ResultRow(serializers.Serializer):
    community = serializers.CharField()
    community_name = serializers.CharField()
    status = serializers.CharField()
    total = serializers.CharField(allow_null=True)
    suggested_stars = serializers.IntegerField(allow_null=True)
    stars = serializers.IntegerField(allow_null=True, help_text=_("Published stars only."))
    previous_stars = serializers.IntegerField(
        allow_null=True, help_text=_("The stars in force on the quarter's first day.")
    )
    change = serializers.IntegerField(allow_null=True)
    proposal_reason = serializers.CharField(allow_blank=True)


class Results(RoundRow):
    results = ResultRow(many=True)


class StarsMoved(serializers.Serializer):
    community = serializers.CharField()
    stars = serializers.IntegerField()
    effective_from = serializers.DateField()
    kind = serializers.CharField()
    reason = serializers.CharField()


class PayRow(serializers.Serializer):
    community = serializers.CharField()
    community_name = serializers.CharField()
    month = serializers.CharField()
    person = serializers.CharField()
    post = serializers.CharField(help_text=_("secretary or member."))
    post_name = serializers.CharField()
    stars = serializers.IntegerField(allow_null=True)
    stars_from = serializers.CharField(allow_null=True, help_text=_("rating or adjustment."))
    pay = serializers.CharField(allow_null=True, help_text=_("Yuan for the month; none without stars in force."))


class PayRule(serializers.Serializer):
    base_pay = serializers.CharField()
    pay_per_star = serializers.CharField()
    others_share = serializers.CharField()


class PaySheet(serializers.Serializer):
    street = serializers.CharField()
    street_name = serializers.CharField()
    quarter = serializers.CharField()
    rows = PayRow(many=True)
    total = serializers.CharField()
    unpaid = serializers.ListField(child=serializers.CharField(), help_text=_("Communities with no stars in force."))
    rules = PayRule(many=True, help_text=_("The pay rules the stars in force were published with."))


WITHIN = OpenApiParameter("within", str, description=_("An area's code: only the communities under it."))

round_list = extend_schema(
    operation_id="rating_round_list", tags=TAG, summary=_("The rating rounds of the districts the caller reads"),
    responses={200: RoundRow(many=True), **errors(401)},
)  # fmt: skip


def round_open(request):
    return extend_schema(
        operation_id="rating_round_open", tags=TAG, request=request,
        summary=_("Open a quarter's rating (the district): an assessment for every community"),
        description=_("Opening it again answers 200 with the same round."),
        responses={201: RoundRow, 200: RoundRow, **errors(400, 401, 403, 404)},
    )  # fmt: skip


round_detail = extend_schema(
    operation_id="rating_round_detail", tags=TAG, summary=_("A round with the assessments the caller reads"),
    parameters=[WITHIN, OpenApiParameter("status", str)],
    responses={200: RoundDetail, **errors(400, 401, 404)},
)  # fmt: skip

ROUND_STEPS = {
    "propose_by_points": _(
        "Propose the stars the points give for every inspected community of a street (the street), "
        "five stars to the best within the quota"
    ),
    "publish": _("Publish a street's stars (the district): in force from the next quarter"),
}


def round_step(name, request):
    return extend_schema(
        operation_id=f"rating_round_{name}", tags=TAG, summary=ROUND_STEPS[name], request=request,
        responses={200: AssessmentRow(many=True), **errors(400, 401, 403, 404, 409)},
    )  # fmt: skip


def results(fmt):
    formats = {
        "json": {200: Results},
        "csv": {(200, "text/csv"): OpenApiTypes.STR},
        "geojson": {(200, "application/geo+json"): OpenApiTypes.OBJECT},
    }
    return extend_schema(
        operation_id="rating_results" + ("" if fmt == "json" else f"_{fmt}"), tags=TAG, parameters=[WITHIN],
        summary=_("A round's published stars with the change from the stars in force before"),
        description=_("Also as .csv and .geojson (each community's boundary)."),
        responses={**formats[fmt], **errors(400, 401, 404)},
    )  # fmt: skip


assessment_detail = extend_schema(
    operation_id="rating_assessment_detail", tags=TAG,
    summary=_("An assessment with its criteria through the steps, its evidence and its steps"),
    responses={200: AssessmentDetail, **errors(401, 404)},
)  # fmt: skip

ACTIONS = {
    "save": _("Save the community's own points and notes (a draft)"),
    "self-assess": _("Submit the self-assessment: the computed criteria are filled in and locked"),
    "return": _("Return a self-assessment to the community, with the reason (the street)"),
    "review": _("A reviewer's points at the public defence (the street): given again, they replace their own"),
    "close-review": _("Close the review once the scheme's number of reviewers scored every criterion"),
    "inspect": _("Record the site inspection's deductions: the points and the stars they give follow"),
    "propose": _("Propose the stars (the street): a reason when they differ from the points; 409 quota beyond it"),
}


def action(name, request):
    return extend_schema(
        operation_id=f"rating_assessment_{name.replace('-', '_')}", tags=TAG, summary=ACTIONS[name], request=request,
        description=_("A step the assessment's status does not allow answers 409 wrong_status; a stale version "
                      "409 stale_version."),
        responses={200: AssessmentDetail, **errors(400, 401, 403, 404, 409)},
    )  # fmt: skip


def evidence(request):
    return extend_schema(
        operation_id="rating_evidence_add", tags=TAG, request={"multipart/form-data": request},
        summary=_("Add evidence to a criterion: a text, a photo or a PDF; located photos at the site inspection"),
        responses={201: AssessmentDetail, **errors(400, 401, 403, 404, 409)},
    )  # fmt: skip


evidence_file = extend_schema(
    operation_id="rating_evidence_file", tags=TAG, summary=_("An evidence file"),
    responses={(200, "image/*"): OpenApiTypes.BINARY, (200, "application/pdf"): OpenApiTypes.BINARY,
               **errors(401, 404)},
)  # fmt: skip


def adjust(request):
    return extend_schema(
        operation_id="rating_stars_move", tags=TAG, request=request,
        summary=_("Move a community up or down from a day on, with the reason (the district)"),
        responses={201: StarsMoved, **errors(400, 401, 403, 404, 409)},
    )  # fmt: skip


def pay(fmt):
    return extend_schema(
        operation_id="rating_pay_sheet" + ("" if fmt == "json" else f"_{fmt}"), tags=TAG,
        summary=_("A street's quarterly pay sheet of its community committees"),
        description=_("Also as .csv, and as .pdf for the street's finance office."),
        responses={**{"json": {200: PaySheet}, "csv": {(200, "text/csv"): OpenApiTypes.STR},
                      "pdf": {(200, "application/pdf"): OpenApiTypes.BINARY}}[fmt], **errors(400, 401, 404)},
    )  # fmt: skip
