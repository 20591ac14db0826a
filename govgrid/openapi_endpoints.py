"""What the schema says about each govgrid API endpoint that its view does not say itself.

Each view keeps its code; an OpenApiViewExtension hands drf-spectacular an annotated subclass for
the schema only (drf-spectacular's documented way to describe views one does not change). The
serializers below describe answers the views build by hand; they validate nothing.
"""

import functools

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiViewExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers

from govgrid.lib import coords
from grids.accounts import TokenRequest
from grids.api import AreaListQuery, LookupQuery
from grids.api_coverage import CoverageQuery
from grids.api_people import PeopleQuery, PersonSerializer
from grids.coverage import RULES
from grids.models import Level
from grids.scopes import PERSONAL_FIELDS
from incidents.api import ActionRequest, FiguresQuery, ReportSerializer
from incidents.models import Status
from incidents.workflow import ACTIONS
from maps.export_filters import QUERIES, BBoxField, MomentField
from maps.exports import CONTENT_TYPES
from workcalendar.api import CalendarQuery
from workcalendar.models import FIRST_YEAR, LAST_YEAR, Source

from .openapi import ERROR_DESCRIPTIONS, errors

AREA_CODE = r"^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$"
# Codes of the demo city, so the docs' "Try it out" and the schema's examples reach real areas.
AREA_EXAMPLES = [
    OpenApiExample("district", value="411381"),
    OpenApiExample("street", value="411381001"),
    OpenApiExample("community", value="411381001001"),
]


def area_code_parameter(name="code", location=OpenApiParameter.PATH, required=True):
    # An empty optional filter (within=) is the same as none.
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        location,
        required=required,
        pattern=AREA_CODE if required else "^$|" + AREA_CODE,
        description=_("An area code: 6 (district), 9 (street), 12 (community) or 15 (grid) digits."),
        examples=AREA_EXAMPLES,
    )


CASE_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The case code, e.g. 411381-20261122-0007.")
)


# --- shapes of answers ---------------------------------------------------------------------------
@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON geometry (RFC 7946), WGS84 longitude/latitude",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point", "Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array", "items": {}},
        },
    }
)
class GeometryField(serializers.JSONField):
    """A GeoJSON geometry in an answer built by hand."""


class TokenAnswer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))


class CodeName(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ChainLink(CodeName):
    level = serializers.ChoiceField(choices=Level.choices)


class AreaProperties(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    parent = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_blank=True)
    households = serializers.IntegerField(allow_null=True)
    population = serializers.IntegerField(allow_null=True)
    chain = ChainLink(many=True, help_text=_("This area and those above it, up to the district."))
    children = serializers.IntegerField(help_text=_("Areas directly below it in the caller's scope."))


class AreaDetail(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.CharField()
    geometry = GeometryField()
    properties = AreaProperties()


class LookupInput(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    crs = serializers.ChoiceField(choices=coords.SUPPORTED)


class LookupAnswer(serializers.Serializer):
    wgs84 = serializers.ListField(child=serializers.FloatField(), help_text=_("[longitude, latitude] in WGS84."))
    input = LookupInput()
    chain = ChainLink(many=True)
    grid = CodeName()
    community = CodeName()
    street = CodeName()
    district = CodeName()


class CoverageRules(serializers.Serializer):
    counted = serializers.ListField(child=serializers.ChoiceField(choices=RULES))
    min_team = serializers.IntegerField()
    household_percent = serializers.FloatField()
    station_metres = serializers.FloatField()


class RuleResults(serializers.Serializer):
    group_leader = serializers.BooleanField()
    service_team = serializers.BooleanField()
    grid_worker = serializers.BooleanField()
    households = serializers.BooleanField()
    station = serializers.BooleanField()


class GridCoverageProperties(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["full", "partial", "none"])
    households = serializers.IntegerField(allow_null=True)
    has_group_leader = serializers.BooleanField()
    team_members = serializers.IntegerField()
    grid_workers = serializers.IntegerField()
    linked_households = serializers.IntegerField()
    nearest_station = serializers.CharField(allow_null=True)
    station_metres = serializers.FloatField(allow_null=True)
    rules = RuleResults()


class GridCoverageFeature(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.CharField()
    geometry = GeometryField()
    properties = GridCoverageProperties()


class GridCoverage(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    rules = CoverageRules()
    features = GridCoverageFeature(many=True)


class StatusShares(serializers.Serializer):
    full = serializers.FloatField()
    partial = serializers.FloatField()
    none = serializers.FloatField()


class FailedRules(serializers.Serializer):
    group_leader = serializers.IntegerField()
    service_team = serializers.IntegerField()
    grid_worker = serializers.IntegerField()
    households = serializers.IntegerField()
    station = serializers.IntegerField()


class CoverageRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    grids = serializers.IntegerField()
    full = serializers.IntegerField()
    partial = serializers.IntegerField()
    none = serializers.IntegerField()
    shares = StatusShares()
    failed = FailedRules(help_text=_("Grids failing each rule, counted or not."))
    rules = serializers.ListField(child=serializers.ChoiceField(choices=RULES))


class CoverageSummary(serializers.Serializer):
    rules = serializers.ListField(child=serializers.ChoiceField(choices=RULES), help_text=_("The rules that count."))
    all_rules = serializers.ListField(child=serializers.ChoiceField(choices=RULES))
    areas = CoverageRow(many=True)


class RoleInArea(serializers.Serializer):
    role = serializers.CharField()
    area = serializers.CharField()
    since = serializers.DateField()


class CategoryItem(CodeName):
    deadline_grid_hours = serializers.IntegerField()


class CategoryClass(CodeName):
    items = CategoryItem(many=True)


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


class Incident(serializers.Serializer):
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


class ReportForm(ReportSerializer):
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("Photos (JPEG, PNG or WebP), multipart only.")
    )


class PhotoForm(serializers.Serializer):
    photo = serializers.FileField()


class AreaFeatureProperties(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    parent = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_blank=True)
    households = serializers.IntegerField(allow_null=True)
    population = serializers.IntegerField(allow_null=True)


class AreaFeature(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.CharField(help_text=_("The area code."))
    geometry = GeometryField()
    properties = AreaFeatureProperties()


@extend_schema_serializer(many=False)
class AreaPage(serializers.Serializer):
    """A page of areas: a GeoJSON FeatureCollection with the paging fields beside it."""

    type = serializers.ChoiceField(choices=["FeatureCollection"])
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    features = AreaFeature(many=True)


class CalendarDay(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(help_text=_("The holiday, e.g. 春节."))
    source = serializers.ChoiceField(
        choices=Source.choices,
        help_text=_("package: the chinese-calendar package; admin: entered by an administrator; rules: computed."),
    )


class CalendarYear(serializers.Serializer):
    year = serializers.IntegerField()
    arrangement_entered = serializers.BooleanField(
        help_text=_("Whether the State Council's arrangement for the year is entered; if not, holidays are computed.")
    )
    days_off = CalendarDay(many=True, help_text=_("Days off besides ordinary weekends, in date order."))
    make_up_working_days = CalendarDay(many=True, help_text=_("Weekend days worked (调休), in date order."))


PAGE = [
    OpenApiParameter("page", OpenApiTypes.INT, description=_("Page number, from 1.")),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Items per page.")),
]


# --- the endpoints ---------------------------------------------------------------------------------
def described(target, **methods):
    """An OpenApiViewExtension for the view class at `target` (dotted path) whose methods get these
    extend_schema annotations, e.g. described("app.api.View", get=extend_schema(...))."""

    def view_replacement(self):
        class Described(self.target_class):
            pass

        for method, annotate in methods.items():
            setattr(Described, method, annotate(_own_copy(getattr(self.target_class, method))))
        return Described

    name = target.rsplit(".", 1)[-1] + "Schema"
    return type(name, (OpenApiViewExtension,), {"target_class": target, "view_replacement": view_replacement})


def _own_copy(method):
    """A new function calling `method`: extend_schema marks the function it is given, and a method
    inherited from DRF (ListAPIView.get) is shared by every view that inherits it."""

    @functools.wraps(method, updated=())
    def copy(self, request, *args, **kwargs):
        return method(self, request, *args, **kwargs)

    return copy


ObtainTokenSchema = described(
    "grids.accounts.ObtainToken",
    post=extend_schema(
        operation_id="auth_token",
        summary=_("Get an API token"),
        description=_(
            "For phones and scripts: send it as `Authorization: Token <token>` (or as Open311's api_key). "
            "The token works for GOVGRID_TOKEN_TTL_HOURS hours; logging in again gives the same token while "
            "it works and a new one after. Refused logins are counted: after too many the username is locked "
            "out for the address that made them, an address guessing many usernames is locked out altogether, "
            "and a username guessed from many addresses answers 429 with `retry_after` (seconds) for a while."
        ),
        request=TokenRequest,
        responses={200: TokenAnswer, **errors(400, 429)},
    ),
)

RotateTokenSchema = described(
    "grids.accounts.RotateToken",
    post=extend_schema(
        operation_id="auth_token_rotate",
        summary=_("Replace the API token"),
        description=_("A new token for the caller; the token sent stops working at once."),
        request=None,
        responses={200: TokenAnswer, **errors(401)},
    ),
)

RevokeTokenSchema = described(
    "grids.accounts.RevokeToken",
    post=extend_schema(
        operation_id="auth_token_revoke",
        summary=_("End the API token"),
        description=_(
            "The caller's token stops working (logging out of the browser does the same); logging in "
            "again gives a new one."
        ),
        request=None,
        responses={204: OpenApiResponse(description=_("The token no longer works.")), **errors(401)},
    ),
)

AreaListSchema = described(
    "grids.api.AreaListView",
    get=extend_schema(
        summary=_("List areas as GeoJSON"),
        description=_(
            "The areas in the caller's scope as a GeoJSON FeatureCollection (WGS84), in pages of 1000, "
            "optionally of one level and inside one area."
        ),
        parameters=[
            AreaListQuery,
            area_code_parameter("within", OpenApiParameter.QUERY, required=False),
        ],
        responses={200: AreaPage, **errors(400, 401, 404)},
    ),
)

AreaDetailSchema = described(
    "grids.api.AreaDetailView",
    get=extend_schema(
        summary=_("Show an area"),
        description=_("One area as a GeoJSON Feature, with its chain up to the district and its number of children."),
        parameters=[area_code_parameter()],
        responses={200: AreaDetail, **errors(401, 404)},
    ),
)

AreaLookupSchema = described(
    "grids.api.AreaLookupView",
    get=extend_schema(
        summary=_("Find the grid at a point"),
        description=_(
            "The grid covering a point and its chain up to the district. Positions from AMap, Tencent or "
            "WeChat (gcj02) and Baidu (bd09) are converted first."
        ),
        parameters=[
            LookupQuery,
            OpenApiParameter(
                "lon",
                {"type": "number", "minimum": -180, "maximum": 180},
                required=True,
                description=_("Longitude in degrees, in the coordinate system `crs`."),
                examples=[OpenApiExample("Dengzhou", 112.0822)],
            ),
            OpenApiParameter(
                "lat",
                {"type": "number", "minimum": -90, "maximum": 90},
                required=True,
                description=_("Latitude in degrees, in the coordinate system `crs`."),
                examples=[OpenApiExample("Dengzhou", 32.6869)],
            ),
            OpenApiParameter(
                "crs",
                {"type": "string", "enum": list(coords.SUPPORTED), "default": "wgs84"},
                description=_(
                    "The coordinate system of lon and lat: wgs84 (GPS), cgcs2000, gcj02 (AMap, Tencent, "
                    "WeChat) or bd09 (Baidu)."
                ),
            ),
        ],
        responses={200: LookupAnswer, **errors(400, 401, 404)},
    ),
)

GridCoverageSchema = described(
    "grids.api_coverage.GridCoverageView",
    get=extend_schema(
        summary=_("Coverage per grid as GeoJSON"),
        description=_(
            "Every grid in scope with each coverage rule's result (Party group leader, service team, grid "
            "worker, linked households, service station) and its status."
        ),
        parameters=[CoverageQuery, area_code_parameter("within", OpenApiParameter.QUERY, required=False)],
        responses={(200, "application/geo+json"): GridCoverage, **errors(400, 401, 404)},
    ),
)

CoverageSummarySchema = described(
    "grids.api_coverage.CoverageSummaryView",
    get=extend_schema(
        summary=_("Coverage per area"),
        description=_(
            "Per area of a level: grids per status and per failed rule, and the shares. The level defaults "
            "to that of `within`."
        ),
        parameters=[CoverageQuery, area_code_parameter("within", OpenApiParameter.QUERY, required=False)],
        responses={200: CoverageSummary, **errors(400, 401, 404)},
    ),
)

PeopleListSchema = described(
    "grids.api_people.PeopleListView",
    get=extend_schema(
        summary=_("List people"),
        description=_(
            "People serving or living in the caller's areas. Phone, gender and year of birth only where "
            "the caller's role may see personal data; otherwise the phone is masked."
        ),
        parameters=[PeopleQuery, area_code_parameter("within", OpenApiParameter.QUERY, required=False)],
        responses={200: PersonSerializer(many=True), **errors(400, 401, 404)},
    ),
)

PersonDetailSchema = described(
    "grids.api_people.PersonDetailView",
    get=extend_schema(
        summary=_("Show a person"),
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: PersonSerializer, **errors(401, 404)},
    ),
)

CategoryListSchema = described(
    "incidents.api.CategoryListView",
    get=extend_schema(
        summary=_("List categories"),
        description=_("The active categories: classes and their items, which cases are filed under."),
        responses={200: CategoryClass(many=True), **errors(401)},
    ),
)

FiguresSchema = described(
    "incidents.api.FiguresView",
    get=extend_schema(
        summary=_("Figures per area"),
        description=_(
            "Per area of a level inside `within`, for cases received in [since, until): closed at each "
            "level, on-time and closure rates, time to close, satisfaction."
        ),
        parameters=[FiguresQuery, area_code_parameter("within", OpenApiParameter.QUERY)],
        responses={200: FiguresRow(many=True), **errors(400, 401, 404)},
    ),
)

IncidentListCreateSchema = described(
    "incidents.api.IncidentListCreateView",
    get=extend_schema(
        operation_id="incidents_list",
        summary=_("List cases"),
        description=_("Cases in the caller's scope and the caller's own reports, newest first, in pages of 50."),
        parameters=[
            OpenApiParameter("mine", OpenApiTypes.BOOL, description=_("Only the caller's own reports.")),
            *PAGE,
        ],
        responses={200: Incident(many=True), **errors(400, 401, 404)},
    ),
    post=extend_schema(
        operation_id="incidents_report",
        summary=_("Report a case"),
        description=_(
            "A report from the phone, as JSON or multipart with `photos`. `client_id` is a UUID the phone "
            "makes once per report: sending the same report again answers 200 with the same case, another "
            "report under a used client_id is refused (409). The location must be in a grid the caller may "
            "change."
        ),
        request={
            "application/json": ReportSerializer,
            "multipart/form-data": ReportForm,
            "application/x-www-form-urlencoded": ReportSerializer,
        },
        responses={
            201: Incident,
            200: OpenApiResponse(Incident, description=_("A retry: the case already made.")),
            **errors(400, 401, 403, 409, 422),
        },
    ),
)

IncidentDetailSchema = described(
    "incidents.api.IncidentDetailView",
    get=extend_schema(
        operation_id="incidents_retrieve",
        summary=_("Show a case"),
        parameters=[CASE_CODE],
        responses={200: Incident, **errors(401, 404)},
    ),
)

PhotoUploadSchema = described(
    "incidents.api.PhotoUploadView",
    post=extend_schema(
        summary=_("Add a photo to a case"),
        description=_("The same picture sent twice is kept once (200)."),
        parameters=[CASE_CODE],
        request={"multipart/form-data": PhotoForm},
        responses={201: PhotoAnswer, 200: PhotoAnswer, **errors(400, 401, 403, 404)},
    ),
)

PhotoFileSchema = described(
    "incidents.api.PhotoFileView",
    get=extend_schema(
        summary=_("Get a photo"),
        parameters=[CASE_CODE, OpenApiParameter("photo_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
            **errors(401, 404),
        },
    ),
)

TimelineSchema = described(
    "incidents.api.TimelineView",
    get=extend_schema(
        summary=_("A case's timeline"),
        description=_("Every event of the case, oldest first. Events are never changed."),
        parameters=[CASE_CODE],
        responses={200: TimelineEvent(many=True), **errors(401, 404)},
    ),
)

IncidentActionSchema = described(
    "incidents.api.IncidentActionView",
    post=extend_schema(
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
        request=ActionRequest,
        responses={200: Incident, **errors(400, 401, 403, 404, 409)},
    ),
)


CalendarSchema = described(
    "workcalendar.api.CalendarView",
    get=extend_schema(
        summary=_("The working calendar of a year"),
        description=_(
            "Days off and make-up working days of a year, each with its date, name and source, which deadlines "
            "in working time count by. Saturdays and Sundays not listed are days off. For a year whose "
            "arrangement is not entered, the statutory holidays are computed by the national rules, with no "
            "make-up working days, and the days an administrator entered are added."
        ),
        parameters=[
            CalendarQuery,
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                required=True,
                description=format_lazy(_("The year, from {first} to {last}."), first=FIRST_YEAR, last=LAST_YEAR),
                examples=[OpenApiExample("2027", 2027)],
            ),
        ],
        responses={200: CalendarYear, **errors(400, 401)},
    ),
)


# The roles a person's answer lists (a SerializerMethodField): said on the method, for the schema only.
extend_schema_field(RoleInArea(many=True))(PersonSerializer.get_roles)


class PersonSchema(OpenApiSerializerExtension):
    """A person's answer says whether personal data is shown; masked fields are null."""

    target_class = "grids.api_people.PersonSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        properties = schema["properties"]
        for name in (field for field in PERSONAL_FIELDS if field != "phone"):  # masked: null
            properties[name]["nullable"] = True
        properties["phone"]["description"] = str(_("Masked (138****1234) unless personal data is visible."))
        properties["personal_data_visible"] = {"type": "boolean"}
        schema.setdefault("required", []).append("personal_data_visible")
        return schema


# --- exports: one view class per kind, one URL per format (maps/export_urls.py) ---------------------
EXPORT_SUMMARIES = {
    "incidents": _("Export cases"),
    "grids": _("Export area boundaries"),
    "coverage": _("Export grid coverage"),
}
EXPORT_DESCRIPTIONS = {
    "incidents": _(
        "Cases in the caller's scope as points (WGS84), with their category, status, level, grid and times. "
        "Residents' names and phones are masked unless the caller's role may see them."
    ),
    "grids": _("Boundaries of the areas in the caller's scope (grids unless `level` says otherwise)."),
    "coverage": _("Every grid in the caller's scope with each coverage rule's result and its status."),
}
EXPORT_FORMATS = {
    "geojson": _("A GeoJSON FeatureCollection (RFC 7946)."),
    "geojsonl": _("GeoJSONSeq: one GeoJSON Feature per line."),
    "csv": _("CSV, UTF-8: lon and lat columns for points, a WKT column for boundaries."),
    "gpkg": _("A GeoPackage file."),
}


extend_schema_field(
    {
        "type": "string",
        "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$",
        "description": _("minlon,minlat,maxlon,maxlat in WGS84 degrees, e.g. 112.05,32.65,112.15,32.72"),
    }
)(BBoxField)
# No example values: "Try it out" leaves these optional filters empty, so a bare call is not
# narrowed to an arbitrary box, nor refused for a period whose end is its start.
extend_schema_field(
    {
        "type": "string",
        "description": _(
            "A date (its local midnight), e.g. 2026-01-31, or an ISO 8601 date and time (local time without an offset)"
        ),
    }
)(MomentField)


FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "name": {"type": "string"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {"type": "object"},
                    "properties": {"type": "object"},
                },
            },
        },
    },
}


class ExportAutoSchema(AutoSchema):
    """The schema of one export URL: its kind's filters, and the one media type its format answers in."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        kind, fmt = self.view.kind, self.view.fmt
        operation["operationId"] = f"export_{kind}_{fmt}"
        operation["summary"] = f"{EXPORT_SUMMARIES[kind]} ({fmt})"
        operation["description"] = f"{EXPORT_DESCRIPTIONS[kind]} {EXPORT_FORMATS[fmt]}"
        operation["tags"] = ["export"]
        body = FEATURE_COLLECTION if fmt == "geojson" else {"type": "string"}
        if fmt == "gpkg":
            body = {"type": "string", "format": "binary"}
        # geometry chooses a CSV's columns: lon and lat only for points.
        parameters = [p for p in operation.get("parameters", []) if fmt == "csv" or p["name"] != "geometry"]
        for parameter in parameters:
            if parameter["name"] == "geometry" and kind != "incidents":
                parameter["schema"]["enum"] = ["wkt"]
        operation["parameters"] = parameters
        operation["responses"]["200"] = {
            "description": str(EXPORT_FORMATS[fmt]),
            "content": {CONTENT_TYPES[fmt].split(";")[0]: {"schema": body}},
        }
        return operation

    def get_override_parameters(self):
        return [QUERIES[self.view.kind], *super().get_override_parameters()]


def _export_schema(target):
    def view_replacement(self):
        class Described(self.target_class):
            schema = ExportAutoSchema()

        # On the class, so that extend_schema builds on ExportAutoSchema.
        return extend_schema(responses={200: OpenApiTypes.STR, **errors(400, 401, 403, 404)})(Described)

    name = target.rsplit(".", 1)[-1] + "Schema"
    return type(name, (OpenApiViewExtension,), {"target_class": target, "view_replacement": view_replacement})


IncidentExportSchema = _export_schema("maps.api.IncidentExportView")
GridExportSchema = _export_schema("maps.api.GridExportView")
CoverageExportSchema = _export_schema("maps.api.CoverageExportView")


# --- vector tiles: a plain Django view (maps/tiles.py), so the schema is written here ----------------
def describe_tiles(result):
    """Add GET /maps/tiles/{layer}/{z}/{x}/{y}.pbf to the schema (drf-spectacular sees only DRF
    views): GIS tools open the tiles with a token, as the API."""
    from maps.tiles import LAYERS, MAX_ZOOM

    BINARY = {"type": "string", "format": "binary"}  # noqa: N806 - a constant of this function

    def refusal(status):
        return {
            "description": str(ERROR_DESCRIPTIONS[status]),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
        }

    def number(name, description, maximum=None):
        schema = {"type": "integer", "minimum": 0} | ({"maximum": maximum} if maximum is not None else {})
        return {"in": "path", "name": name, "required": True, "schema": schema, "description": str(description)}

    result["paths"]["/maps/tiles/{layer}/{z}/{x}/{y}.pbf"] = {
        "get": {
            "operationId": "map_tile",
            "summary": str(_("A vector tile of a map layer")),
            "description": str(
                _(
                    "A Mapbox Vector Tile made by PostGIS of the layer's areas in the caller's scope that meet "
                    "the tile: code, name, level, kind, households, population, and for grids their coverage "
                    "status. Below zoom 13 a grid tile is an overview: each grid's status, with its code as "
                    "the feature's id. An empty tile is 204."
                )
            ),
            "tags": ["maps"],
            "parameters": [
                {"in": "path", "name": "layer", "required": True, "schema": {"type": "string", "enum": list(LAYERS)}},
                number("z", _("Zoom."), MAX_ZOOM),
                number("x", _("Column, below 2 to the power of the zoom.")),
                number("y", _("Row, below 2 to the power of the zoom.")),
                {
                    "in": "query",
                    "name": "within",
                    "required": False,
                    "schema": {"type": "string", "pattern": AREA_CODE},
                    "description": str(_("Only the areas inside this area.")),
                },
            ],
            "security": [{"tokenAuth": []}, {"cookieAuth": []}],
            "responses": {
                "200": {
                    "description": str(_("The tile.")),
                    "content": {"application/vnd.mapbox-vector-tile": {"schema": BINARY}},
                },
                "204": {"description": str(_("No area of the layer meets the tile."))},
                "304": {"description": str(_("Unchanged since the ETag sent in If-None-Match."))},
                "400": refusal(400),
                "401": refusal(401),
                "404": refusal(404),
            },
        }
    }
