"""How the residents' API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter


class Received(serializers.Serializer):
    tracking_code = serializers.CharField(help_text=_("Read out on a call-back; opens nothing by itself."))
    link = serializers.CharField(
        allow_null=True,
        help_text=_("The private link where the resident follows the report (none for a retry without its secret)."),
    )
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text=_("When it should be accepted, declined or merged by."))


class TimelineEntry(serializers.Serializer):
    at = serializers.DateTimeField()
    what = serializers.CharField(help_text=_("What happened, in words; who did it only by role."))


class Followed(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    topic = serializers.CharField()
    description = serializers.CharField()
    received_at = serializers.DateTimeField()
    decline_reason = serializers.CharField(allow_blank=True)
    case_status = serializers.CharField(allow_null=True)
    case_status_label = serializers.CharField(allow_null=True)
    timeline = TimelineEntry(many=True)
    may_rate = serializers.BooleanField(help_text=_("Whether the case waits for the resident's rating."))
    may_add = serializers.BooleanField(help_text=_("Whether the resident may still add a note or photos."))
    rating = serializers.IntegerField(allow_null=True)


class Rating(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PendingRow(serializers.Serializer):
    tracking_code = serializers.CharField()
    version = serializers.IntegerField()
    grid = serializers.CharField()
    grid_name = serializers.CharField()
    kind = serializers.CharField()
    topic = serializers.CharField()
    suggested_category = serializers.CharField(allow_null=True)
    description = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    contact_name = serializers.CharField(allow_blank=True)
    contact_phone = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    photos = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField(), help_text=_("What the resident added since."))


class Decided(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    incident = serializers.CharField(allow_null=True)


TAG = ["residents"]


def resident_report(request):
    return extend_schema(
        operation_id="resident_report_create",
        tags=TAG,
        summary=_("A resident reports from a QR code (no account)"),
        description=_(
            "`place` is the token of the QR code's address (/r/<token>/). A retry with the same `client_id` "
            "answers 200 with the same report and link. Throttled per device and per address: 429 with "
            "`retry_after` (seconds). A replaced QR code answers 410."
        ),
        request={"multipart/form-data": request, "application/json": request},
        responses={201: Received, 200: Received, **errors(400, 404, 409, 422, 429)},
        auth=[],
    )


followed = extend_schema(
    operation_id="resident_report_follow",
    tags=TAG,
    summary=_("The resident follows their report by its private link"),
    description=_("No staff names and no other person's data: roles and what happened, with when."),
    responses={200: Followed, **errors(404)},
    auth=[],
)

pending_list = extend_schema(
    operation_id="resident_report_pending",
    tags=TAG,
    summary=_("Residents' reports waiting for your decision (立案)"),
    responses={200: PendingRow(many=True), **errors(401)},
)


def decision(request):
    return extend_schema(
        operation_id="resident_report_decide",
        tags=TAG,
        summary=_("Accept a resident's report as a case, merge it into one, or decline it"),
        parameters=[
            OpenApiParameter("decision", str, OpenApiParameter.PATH, enum=["accept", "merge", "decline"]),
        ],
        request=request,
        responses={200: Decided, **errors(400, 401, 403, 404, 409, 422)},
    )


report_photo = extend_schema(
    operation_id="resident_report_photo",
    tags=TAG,
    summary=_("A photo of a resident's report"),
    parameters=[OpenApiParameter("photo_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    responses={
        (200, "image/jpeg"): OpenApiTypes.BINARY,
        (200, "image/png"): OpenApiTypes.BINARY,
        (200, "image/webp"): OpenApiTypes.BINARY,
        **errors(401, 404),
    },
)


rated = extend_schema(
    operation_id="resident_report_rate",
    tags=TAG,
    summary=_("The resident rates the result (1–5), once each time the case is resolved"),
    description=_("A rating of 2 or less waits for a dispatcher's decision on rework."),
    request=Rating,
    responses={200: Followed, **errors(400, 404, 409)},
    auth=[],
)


class ResidentShares(serializers.Serializer):
    accepted_in_time = serializers.FloatField(
        allow_null=True, help_text=_("受理及时率: decided by the deadline / decided or past it.")
    )
    satisfied = serializers.FloatField(allow_null=True, help_text=_("Residents' ratings of 4 or 5 / ratings."))


class ResidentFiguresRow(serializers.Serializer):
    area_code = serializers.CharField()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    merged = serializers.IntegerField()
    declined = serializers.IntegerField()
    pending = serializers.IntegerField()
    decided_in_time = serializers.IntegerField()
    decided_late = serializers.IntegerField()
    rated = serializers.IntegerField(help_text=_("How many residents' ratings the satisfaction rests on."))
    satisfied = serializers.IntegerField()
    shares = ResidentShares()


def resident_figures(query):
    return extend_schema(
        operation_id="resident_figures",
        tags=["figures"],
        summary=_("Residents' reports per area: how they were decided, in time, and residents' satisfaction"),
        parameters=[query, within_parameter(required=True)],
        responses={200: ResidentFiguresRow(many=True), **errors(400, 401, 404)},
    )


class Addition(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20)


added = extend_schema(
    operation_id="resident_report_add",
    tags=TAG,
    summary=_("The resident adds a note or photos while the report or its case is open"),
    request={"multipart/form-data": Addition, "application/json": Addition},
    responses={200: Followed, **errors(400, 404, 409, 429)},
    auth=[],
)
