"""How the grids API (areas, coverage, people, tokens) appears in the OpenAPI schema (/api/schema/).

Each view carries its description as a decorator from here (`@docs.area_detail`), as open311 does.
A view's own input serializer (its query, its body) is handed to the decorator by the view, since
this module cannot import the modules that import it. The serializers below describe answers that
are built in SQL or by hand (GeoJSON with extra members, the coverage collection); the views that
answer through a serializer (a person) are described by it.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
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
from govgrid.lib.errors import errors

from .coverage import ALL_RULES, DUTY_RULES
from .models import Level
from .scopes import PERSONAL_FIELDS

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


def within_parameter(required=False):
    """The `within` filter of a query: an area the caller sees."""
    return area_code_parameter("within", OpenApiParameter.QUERY, required=required)


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
    """A GeoJSON geometry in an answer built by hand or in SQL."""


class TokenAnswer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))


class CodeName(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ChainLink(CodeName):
    level = serializers.ChoiceField(choices=Level.choices)


class AreaFeatureProperties(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    parent = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_blank=True)
    households = serializers.IntegerField(allow_null=True)
    population = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateField(
        allow_null=True, help_text=_("The first day of its generation; null: since the areas were first drawn.")
    )
    valid_to = serializers.DateField(
        allow_null=True,
        help_text=_("The day a re-division retired it (valid until the day before); null: current."),
    )


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


class AreaProperties(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    parent = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_blank=True)
    households = serializers.IntegerField(allow_null=True)
    population = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateField(
        allow_null=True, help_text=_("The first day of its generation; null: since the areas were first drawn.")
    )
    valid_to = serializers.DateField(
        allow_null=True,
        help_text=_("The day a re-division retired it (valid until the day before); null: current."),
    )
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
    as_of = serializers.DateField(allow_null=True, help_text=_("The day asked for; null: today."))
    chain = ChainLink(many=True)
    grid = CodeName()
    community = CodeName()
    street = CodeName()
    district = CodeName()


class CoverageRules(serializers.Serializer):
    counted = serializers.ListField(child=serializers.ChoiceField(choices=ALL_RULES))
    min_team = serializers.IntegerField()
    household_percent = serializers.FloatField()
    station_metres = serializers.FloatField()


def _per_rule(name, field):
    """A serializer with one `field` per coverage rule, in the order of grids.coverage.ALL_RULES (the
    Party groups' duties only where they count)."""
    fields = {rule: field(required=rule not in DUTY_RULES) for rule in ALL_RULES}
    return type(name, (serializers.Serializer,), {"__module__": __name__} | fields)


RuleResults = _per_rule("RuleResults", serializers.BooleanField)  # each rule met or not
FailedRules = _per_rule("FailedRules", serializers.IntegerField)  # grids failing each rule


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
    rules = serializers.ListField(child=serializers.ChoiceField(choices=ALL_RULES))


class CoverageSummary(serializers.Serializer):
    rules = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_RULES), help_text=_("The rules that count.")
    )
    all_rules = serializers.ListField(child=serializers.ChoiceField(choices=ALL_RULES))
    areas = CoverageRow(many=True)


class RoleInArea(serializers.Serializer):
    role = serializers.CharField()
    area = serializers.CharField()
    since = serializers.DateField()


class PersonSchema(OpenApiSerializerExtension):
    """A person's answer (grids.api_people.PersonSerializer) says whether personal data is shown;
    masked fields are null. Its to_representation adds that, so the schema says it here."""

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


# --- the endpoints: one decorator per view method --------------------------------------------------
def obtain_token(request):
    return extend_schema(
        operation_id="auth_token",
        summary=_("Get an API token"),
        description=_(
            "For phones and scripts: send it as `Authorization: Token <token>` (or as Open311's api_key). "
            "The token works for GOVGRID_TOKEN_TTL_HOURS hours; logging in again gives the same token while "
            "it works and a new one after. Refused logins are counted: after too many the username is locked "
            "out for the address that made them, an address guessing many usernames is locked out altogether, "
            "and a username guessed from many addresses answers 429 with `retry_after` (seconds) for a while."
        ),
        request=request,
        responses={200: TokenAnswer, **errors(400, 429)},
    )


rotate_token = extend_schema(
    operation_id="auth_token_rotate",
    summary=_("Replace the API token"),
    description=_("A new token for the caller; the token sent stops working at once."),
    request=None,
    responses={200: TokenAnswer, **errors(401)},
)

revoke_token = extend_schema(
    operation_id="auth_token_revoke",
    summary=_("End the API token"),
    description=_(
        "The caller's token stops working (logging out of the browser does the same); logging in again gives a new one."
    ),
    request=None,
    responses={204: OpenApiResponse(description=_("The token no longer works.")), **errors(401)},
)


def as_of_parameter():
    return OpenApiParameter(
        "as_of",
        OpenApiTypes.DATE,
        description=_("A day (YYYY-MM-DD): the areas of the generation in force that day; today's when not given."),
    )


def area_list(query):
    return extend_schema(
        summary=_("List areas as GeoJSON"),
        description=_(
            "The areas in the caller's scope as a GeoJSON FeatureCollection (WGS84), in pages of 1000, "
            "optionally of one level and inside one area."
        ),
        parameters=[query, within_parameter()],
        responses={200: AreaPage, **errors(400, 401, 404)},
    )


area_detail = extend_schema(
    summary=_("Show an area"),
    description=_(
        "One area as a GeoJSON Feature, with its chain up to the district and its number of children. A code "
        "names one boundary for all time: a grid a re-division retired is still found, with the day it ended."
    ),
    parameters=[area_code_parameter(), as_of_parameter()],
    responses={200: AreaDetail, **errors(401, 404)},
)


def area_lookup(query):
    return extend_schema(
        summary=_("Find the grid at a point"),
        description=_(
            "The grid covering a point and its chain up to the district. Positions from AMap, Tencent or "
            "WeChat (gcj02) and Baidu (bd09) are converted first."
        ),
        parameters=[
            query,
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
    )


def grid_coverage(query):
    return extend_schema(
        summary=_("Coverage per grid as GeoJSON"),
        description=_(
            "Every grid in scope with each coverage rule's result (Party group leader, service team, grid "
            "worker, linked households, service station) and its status."
        ),
        parameters=[query, within_parameter()],
        responses={(200, "application/geo+json"): GridCoverage, **errors(400, 401, 404)},
    )


def coverage_summary(query):
    return extend_schema(
        summary=_("Coverage per area"),
        description=_(
            "Per area of a level: grids per status and per failed rule, and the shares. The level defaults "
            "to that of `within`."
        ),
        parameters=[query, within_parameter()],
        responses={200: CoverageSummary, **errors(400, 401, 404)},
    )


def people_list(query, person):
    return extend_schema(
        summary=_("List people"),
        description=_(
            "People serving or living in the caller's areas. Phone, gender and year of birth only where "
            "the caller's role may see personal data; otherwise the phone is masked."
        ),
        parameters=[query, within_parameter()],
        responses={200: person(many=True), **errors(400, 401, 404)},
    )


def person_detail(person):
    return extend_schema(
        summary=_("Show a person"),
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: person, **errors(401, 404)},
    )
