"""How the cases API (reports, cases, actions, photos, timeline, categories, figures) appears in the
OpenAPI schema (/api/schema/).

Each view carries its description as a decorator from here, as open311 does; a view's own input
serializer is handed to the decorator by the view. A case's answer is built by
incidents.api.incident_json, by hand and not through a serializer, because the phones' reports go
through it on the intake path (bench/intake.py); `IncidentAnswer` describes it, field for field.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers

from govgrid.lib import coords
from govgrid.lib.errors import errors
from grids.models import Level
from grids.schema import CodeName, within_parameter

from .actions import ACTIONS
from .models import Status

CASE_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The case code, e.g. 411381-20261122-0007.")
)

PAGE = [
    OpenApiParameter("page", OpenApiTypes.INT, description=_("Page number, from 1.")),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Items per page.")),
]


# --- shapes of answers ---------------------------------------------------------------------------
class ReportedInput(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    crs = serializers.ChoiceField(choices=coords.SUPPORTED)
    accuracy_m = serializers.FloatField(allow_null=True)


class PhotoRef(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class Contact(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class PossibleDuplicate(serializers.Serializer):
    code = serializers.CharField()
    distance_m = serializers.FloatField()
    reported_at = serializers.DateTimeField()


# A case as incidents.api.incident_json gives it. (No docstring: it would become the schema's
# description of the component.)
@extend_schema_serializer(component_name="Incident")
class IncidentAnswer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("The case code: district, day, number."))
    client_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(
        help_text=_("The status in words, in the caller's language: escalated or returned for a case that arrived so.")
    )
    level = serializers.ChoiceField(choices=[Level.GRID, Level.COMMUNITY, Level.STREET])
    version = serializers.IntegerField(help_text=_("Send it with the next action; a stale one is refused (409)."))
    category = CodeName()
    description = serializers.CharField()
    location = serializers.ListField(child=serializers.FloatField(), help_text=_("[longitude, latitude] in WGS84."))
    input = ReportedInput(help_text=_("The position exactly as the phone sent it."))
    low_accuracy = serializers.BooleanField()
    grid = CodeName()
    community = CodeName()
    street = CodeName()
    reported_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    rating = serializers.IntegerField(allow_null=True, help_text=_("The latest satisfaction rating, 1 to 5."))
    awaits_rating_decision = serializers.BooleanField(
        help_text=_("Rated poorly: a dispatcher decides to reopen the case or keep it closed.")
    )
    photos = PhotoRef(many=True)
    contact = Contact(
        required=False, help_text=_("Only where the caller's role may see personal data, and for its reporter.")
    )
    possible_duplicates = PossibleDuplicate(
        many=True, required=False, help_text=_("With a new report: open cases of its kind nearby.")
    )


class PhotoAnswer(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class TimelineEvent(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField()
    from_level = serializers.CharField(allow_blank=True)
    to_level = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    labels = serializers.DictField(
        child=serializers.CharField(),
        help_text=_("action, from_status, to_status, from_level and to_level in words, in the caller's language."),
    )


# The categories' answer is made by these two (GET /api/v1/categories/): the classes, each with its
# active items prefetched as `active_items`. (No docstrings: they would become the components'
# descriptions in the schema.)
class CategoryItem(CodeName):
    deadline_grid_hours = serializers.IntegerField()


class CategoryClass(CodeName):
    items = CategoryItem(many=True, source="active_items")


class FigureShares(serializers.Serializer):
    closed_in_grid = serializers.FloatField(allow_null=True)
    closed_in_community = serializers.FloatField(allow_null=True)
    closed_at_street = serializers.FloatField(allow_null=True)
    closure_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfied = serializers.FloatField(allow_null=True)


class FiguresRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True, help_text=_("The first day of the area's generation."))
    valid_to = serializers.DateField(
        allow_null=True, help_text=_("The day a re-division retired the area; null: current.")
    )
    received = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_in_grid = serializers.IntegerField()
    closed_in_community = serializers.IntegerField()
    closed_at_street = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    mean_hours_to_close = serializers.FloatField(allow_null=True)
    median_hours_to_close = serializers.FloatField(allow_null=True)
    rated = serializers.IntegerField()
    mean_rating = serializers.FloatField(allow_null=True)
    satisfied = serializers.IntegerField()
    shares = FigureShares()


def _rate(meaning):
    return serializers.FloatField(allow_null=True, help_text=meaning)


class LoopRates(serializers.Serializer):
    contest_rate = _rate(_("contest rate: contested / dispatches"))
    sign_in_time_rate = _rate(_("signing in time: signed in time / due to sign"))
    closure_rate = _rate(_("closure rate: closed / due to close"))
    closed_on_time_rate = _rate(_("closure on time: closed on time / closed"))
    rework_rate = _rate(_("rework rate: reworks / checks on site"))
    extension_rate = _rate(_("extension rate: extended / dispatched"))
    callback_satisfaction = _rate(_("call-back satisfaction: satisfied / reached"))


class LoopFiguresRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    dispatched = serializers.IntegerField()
    co_dispatched = serializers.IntegerField()
    contested = serializers.IntegerField()
    all_dispatches = serializers.IntegerField()
    signed_in_time = serializers.IntegerField()
    sign_due = serializers.IntegerField()
    closed = serializers.IntegerField()
    due_to_close = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    reworks = serializers.IntegerField()
    verifications = serializers.IntegerField()
    checked = serializers.IntegerField()
    extended = serializers.IntegerField()
    supervisions = serializers.IntegerField()
    callbacks_reached = serializers.IntegerField()
    callbacks_satisfied = serializers.IntegerField()
    rates = LoopRates()


def loop_figures(query):
    return extend_schema(
        summary=_("The departments' loop in figures"),
        description=_(
            "Per department, or per area of a level inside `within`, over the dispatches made in [since, "
            "until): contest, signing in time, closure, closure on time, rework and extension rates, "
            "supervisions and call-back satisfaction."
        ),
        parameters=[query, within_parameter(required=True)],
        responses={200: LoopFiguresRow(many=True), **errors(400, 401, 404)},
    )


class PhotoForm(serializers.Serializer):
    photo = serializers.FileField()
    kind = serializers.ChoiceField(
        choices=["before", "after"], required=False, help_text=_("after: the work done, taken on site (default before)")
    )
    lon = serializers.FloatField(required=False, help_text=_("Where it was taken (with lat and crs)."))
    lat = serializers.FloatField(required=False)
    crs = serializers.CharField(required=False, help_text=_("wgs84 (default), cgcs2000, gcj02 or bd09"))


def report_form(report):
    """The multipart form of a report: the report's fields and its photos."""

    class ReportForm(report):
        photos = serializers.ListField(
            child=serializers.FileField(), required=False, help_text=_("Photos (JPEG, PNG or WebP), multipart only.")
        )

    return ReportForm


# --- the endpoints: one decorator per view method --------------------------------------------------
categories = extend_schema(
    summary=_("List categories"),
    description=_("The active categories: classes and their items, which cases are filed under."),
    responses={200: CategoryClass(many=True), **errors(401)},
)


def figures(query):
    return extend_schema(
        summary=_("Figures per area"),
        description=_(
            "Per area of a level inside `within`, for cases received in [since, until): closed at each "
            "level, on-time and closure rates, time to close, satisfaction. Across a re-division of the grids, "
            "grid rows are per generation (a case counts for the grid it is in: the grid it was reported in, or "
            "the new grid covering it when it was still under way at the re-division); with `as_of`, every case "
            "counts in the grids of that day, placed by its location."
        ),
        parameters=[query, within_parameter(required=True)],
        responses={200: FiguresRow(many=True), **errors(400, 401, 404)},
    )


case_list = extend_schema(
    operation_id="incidents_list",
    summary=_("List cases"),
    description=_("Cases in the caller's scope and the caller's own reports, newest first, in pages of 50."),
    parameters=[
        OpenApiParameter("mine", OpenApiTypes.BOOL, description=_("Only the caller's own reports.")),
        OpenApiParameter(
            "verify",
            OpenApiTypes.BOOL,
            description=_("Only the cases of the caller's grids that wait for their verification on site."),
        ),
        *PAGE,
    ],
    responses={200: IncidentAnswer(many=True), **errors(400, 401, 404)},
)


def case_report(report):
    return extend_schema(
        operation_id="incidents_report",
        summary=_("Report a case"),
        description=_(
            "A report from the phone, as JSON or multipart with `photos`. `client_id` is a UUID the phone "
            "makes once per report: sending the same report again answers 200 with the same case, another "
            "report under a used client_id is refused (409). The location must be in a grid the caller may "
            "change."
        ),
        request={
            "application/json": report,
            "multipart/form-data": report_form(report),
            "application/x-www-form-urlencoded": report,
        },
        responses={
            201: IncidentAnswer,
            200: OpenApiResponse(IncidentAnswer, description=_("A retry: the case already made.")),
            **errors(400, 401, 403, 409, 422),
        },
    )


case_detail = extend_schema(
    operation_id="incidents_retrieve",
    summary=_("Show a case"),
    parameters=[CASE_CODE],
    responses={200: IncidentAnswer, **errors(401, 404)},
)

photo_upload = extend_schema(
    summary=_("Add a photo to a case"),
    description=_("The same picture sent twice is kept once (200)."),
    parameters=[CASE_CODE],
    request={"multipart/form-data": PhotoForm},
    responses={201: PhotoAnswer, 200: PhotoAnswer, **errors(400, 401, 403, 404)},
)

photo_file = extend_schema(
    summary=_("Get a photo"),
    parameters=[CASE_CODE, OpenApiParameter("photo_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    responses={
        (200, "image/jpeg"): OpenApiTypes.BINARY,
        (200, "image/png"): OpenApiTypes.BINARY,
        (200, "image/webp"): OpenApiTypes.BINARY,
        **errors(401, 404),
    },
)

case_timeline = extend_schema(
    summary=_("A case's timeline"),
    description=_("Every event of the case, oldest first. Events are never changed."),
    parameters=[CASE_CODE],
    responses={200: TimelineEvent(many=True), **errors(401, 404)},
)


def case_action(request):
    return extend_schema(
        operation_id="incidents_act",
        summary=_("Act on a case"),
        description=_(
            "accept, start, resolve, close (verify and close), escalate, return, reject, reopen, rate. Send "
            "the `version` you saw: if the case changed since, the action is refused (409) with its current "
            "state. escalate, return, reject and reopen need a reason; rate needs a rating from 1 to 5."
        ),
        parameters=[
            CASE_CODE,
            OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ACTIONS)),
        ],
        request=request,
        responses={200: IncidentAnswer, **errors(400, 401, 403, 404, 409)},
    )
