"""How the Open311 endpoints appear in the OpenAPI schema (/api/schema/).

The serializers here only describe answers; the views build them in open311.representation. In
the XML form a list is wrapped in its root element (<services>, <service_requests>, <errors>) with
one element per item: `xml_names` adds those names to the schema after it is generated.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from govgrid.lib import coords

TAG = "Open311 GeoReport v2"


class Open311AutoSchema(AutoSchema):
    """Operation ids from the whole path (services.json and services.xml are two operations)."""

    def get_operation_id(self):
        path = self.path.removeprefix("/open311/v2/").replace("{", "").replace("}", "")
        words = path.replace("/", "_").replace(".", "_")
        return f"open311_{words}_{self.method.lower()}"

    def get_tags(self):
        return [TAG]

    def get_auth(self):
        """A call answered without a key lists no security (`{}`) beside the key schemes, which a
        key holder may still use: the same rule as the view's (Open311View.answers_in_public)."""
        auths = super().get_auth()
        if self.view.answers_in_public(self.method) and {} not in auths:
            auths.append({})
        return auths


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "open311.auth.ApiKeyAuthentication"
    name = "open311ApiKey"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": str(
                _(
                    "A govgrid API token (POST /api/v1/auth/token/) as GeoReport's api_key: in the query string, "
                    "or as a form field of a POST."
                )
            ),
        }


class Open311Error(serializers.Serializer):
    code = serializers.IntegerField(help_text=_("The HTTP status."))
    description = serializers.CharField(help_text=_("The field's name, a colon and the reason."))
    field = serializers.CharField(required=False, help_text=_("The refused field (govgrid extension)."))


class Open311Service(serializers.Serializer):
    service_code = serializers.CharField(help_text=_("The category item's code."))
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField(help_text=_("Always true: GET services/<code> lists the attributes."))
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField(help_text=_("The category class."))


class Open311Value(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class Open311Attribute(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.ChoiceField(
        choices=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    )
    required = serializers.BooleanField()
    datatype_description = serializers.CharField(allow_null=True)
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = Open311Value(many=True, required=False)


class Open311ServiceDefinition(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = Open311Attribute(many=True)


class Open311Request(serializers.Serializer):
    service_request_id = serializers.CharField(help_text=_("The case code, e.g. 411381-20261122-0007."))
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_null=True)
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(allow_null=True, help_text=_("Null in a public answer (no key)."))
    agency_responsible = serializers.CharField(allow_null=True, help_text=_("The area handling the case now."))
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.DateTimeField(
        help_text=_("When govgrid received the request; start_date and end_date select on it.")
    )
    updated_datetime = serializers.DateTimeField(allow_null=True)
    expected_datetime = serializers.DateTimeField(allow_null=True, help_text=_("The deadline, while open."))
    address = serializers.CharField(allow_null=True, help_text=_("The grid's chain of areas."))
    address_id = serializers.CharField(allow_null=True, help_text=_("The grid's code."))
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(help_text=_("WGS84 latitude."))
    long = serializers.FloatField(help_text=_("WGS84 longitude."))
    media_url = serializers.URLField(
        allow_null=True, help_text=_("The first photo, for a key holder in scope; null in a public answer.")
    )
    contact_name = serializers.CharField(
        required=False, help_text=_("Only where the caller's role may see personal data (govgrid extension).")
    )
    contact_phone = serializers.CharField(
        required=False, help_text=_("Only where the caller's role may see personal data (govgrid extension).")
    )


class Open311RequestCreated(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField(allow_null=True)
    account_id = serializers.CharField(allow_null=True)


_REQUEST_BODY = {
    "type": "object",
    "required": ["service_code", "lat", "long", "description"],
    "properties": {
        "api_key": {"type": "string", "description": _("Or send the token in the Authorization header.")},
        "jurisdiction_id": {"type": "string", "description": _("A district code; optional.")},
        "service_code": {"type": "string", "example": "0301"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "example": 32.69},
        "long": {"type": "number", "minimum": -180, "maximum": 180, "example": 112.08},
        "description": {"type": "string", "maxLength": 2000},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string", "pattern": r"^[0-9+\- ]{5,20}$"},
        "email": {"type": "string", "description": _("Accepted and not kept.")},
        "device_id": {"type": "string", "description": _("Accepted and not kept.")},
        "account_id": {"type": "string", "description": _("Accepted and not kept.")},
        "address_string": {"type": "string", "description": _("Not enough alone: give lat and long.")},
        "address_id": {"type": "string", "description": _("Not enough alone: give lat and long.")},
        "media_url": {"type": "string", "description": _("Not fetched: send the picture as the file media.")},
        "client_id": {
            "type": "string",
            "format": "uuid",
            "description": _(
                "Idempotency key (govgrid extension): the same report sent again with it returns the first request."
            ),
        },
        "attribute[client_id]": {"type": "string", "format": "uuid", "description": _("The same as client_id.")},
        "attribute[crs]": {
            "type": "string",
            "enum": list(coords.SUPPORTED),
            "description": _("The coordinate system of lat and long (default wgs84)."),
        },
        "attribute[accuracy_m]": {"type": "number", "minimum": 0, "maximum": 100000},
    },
}
_MULTIPART_BODY = {
    **_REQUEST_BODY,
    "properties": {
        **_REQUEST_BODY["properties"],
        "media": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": _("Photos (JPEG, PNG or WebP)."),
        },
    },
}

_ERRORS = Open311Error(many=True)


def _errors(description):
    return OpenApiResponse(_ERRORS, description=description)


_REFUSED = {
    401: _errors(_("No api_key, or an unknown one.")),
    403: _errors(_("The caller may not do this.")),
}
# A public call refuses only a key that was sent and is unknown.
_UNKNOWN_KEY = {401: _errors(_("An api_key was sent and is unknown."))}
# GET requests: public unless GOVGRID_OPEN311_PUBLIC_READ is off; then without a key, 401.
_READ_REFUSED = {401: _errors(_("An unknown api_key, or none while reading requests needs a key."))}

services_list = extend_schema(
    summary=_("List services"),
    description=_("The category items a request can be filed under, grouped by their class. Public: no key needed."),
    responses={200: Open311Service(many=True), **_UNKNOWN_KEY},
)

service_definition = extend_schema(
    summary=_("Define a service"),
    description=_(
        "The attributes a request of this service may carry: govgrid's extensions client_id, crs and "
        "accuracy_m. Public: no key needed."
    ),
    responses={200: Open311ServiceDefinition, 404: _errors(_("No such service.")), **_UNKNOWN_KEY},
)

_QUERY = [
    OpenApiParameter("jurisdiction_id", str, description=_("Only requests in this district (its code).")),
    OpenApiParameter(
        "service_request_id",
        str,
        description=_("Comma-separated request ids; when given, every other filter is ignored."),
    ),
    OpenApiParameter(
        "service_code",
        str,
        description=_("Comma-separated service codes."),
        examples=[OpenApiExample("one", value="0301")],
    ),
    OpenApiParameter(
        "start_date",
        OpenApiTypes.DATETIME,
        description=_(
            "Received by govgrid (requested_datetime) at or after this time (W3C format, e.g. "
            "2026-01-01T00:00:00+08:00)."
        ),
    ),
    OpenApiParameter(
        "end_date",
        OpenApiTypes.DATETIME,
        description=_(
            "Received by govgrid (requested_datetime) before this time. The span is at most 90 days; "
            "default: the last 90 days."
        ),
    ),
    OpenApiParameter("status", str, description=_("open, closed, or open,closed.")),
]

_PUBLIC_REQUESTS = _(
    "Without a key (unless GOVGRID_OPEN311_PUBLIC_READ is off): every request except those of "
    "sensitive categories, with no description, photo or contact. With a key: "
)

requests_list = extend_schema(
    summary=_("List requests"),
    description=format_lazy(
        "{}{}",
        _PUBLIC_REQUESTS,
        _(
            "requests in the caller's areas and those the caller filed. Newest received first, at most "
            "1000. Contact details only where the caller's role may see personal data."
        ),
    ),
    parameters=_QUERY,
    responses={200: Open311Request(many=True), 400: _errors(_("A filter was refused.")), **_READ_REFUSED},
)

requests_create = extend_schema(
    summary=_("File a request"),
    description=_(
        "Creates a case under the same rules as govgrid's intake: the location must be in a grid the "
        "caller may change. Retrying: send the same client_id (or Idempotency-Key header) with the same "
        "report and the first request is answered (200) instead of a new one (201); another report under "
        "a used key is refused (409)."
    ),
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            str,
            OpenApiParameter.HEADER,
            description=_("Idempotency key, up to 255 characters (govgrid extension); the same as client_id."),
        )
    ],
    request={
        "application/x-www-form-urlencoded": _REQUEST_BODY,
        "multipart/form-data": _MULTIPART_BODY,
        "application/json": _REQUEST_BODY,
    },
    responses={
        201: Open311RequestCreated(many=True),
        200: OpenApiResponse(Open311RequestCreated(many=True), description=_("A retry: the first request.")),
        400: _errors(_("A field was refused.")),
        409: _errors(_("The key was used for another report.")),
        422: _errors(_("The location is in no grid.")),
        **_REFUSED,
    },
)

request_detail = extend_schema(
    summary=_("Show a request"),
    description=format_lazy(
        "{}{}", _PUBLIC_REQUESTS, _("a request in the caller's areas. As a list of one (the spec's form).")
    ),
    responses={
        200: Open311Request(many=True),
        404: _errors(_("No such request among those the caller may see.")),
        **_READ_REFUSED,
    },
)

# Element names of the XML form, by component.
_XML_ITEM = {
    "Open311Service": "service",
    "Open311Request": "request",
    "Open311RequestCreated": "request",
    "Open311Error": "error",
    "Open311Attribute": "attribute",
    "Open311Value": "value",
    "Open311ServiceDefinition": "service_definition",
}
_XML_ROOT = {"service": "services", "request": "service_requests", "error": "errors"}


def xml_names(result, generator, request, public):
    """drf-spectacular post-processing hook: the XML element names of Open311's answers."""
    components = result.get("components", {}).get("schemas", {})
    for name, element in _XML_ITEM.items():
        if name in components:
            components[name]["xml"] = {"name": element}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/open311/"):
            continue
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    schema = content.get("schema", {})
                    if schema.get("$ref", "").endswith("/Open311Error"):
                        # drf-spectacular lists only 2xx answers; errors are a list too.
                        schema = content["schema"] = {"type": "array", "items": schema}
                    ref = schema.get("items", {}).get("$ref", "")
                    item = _XML_ITEM.get(ref.rsplit("/", 1)[-1])
                    if schema.get("type") == "array" and item in _XML_ROOT:
                        schema["xml"] = {"name": _XML_ROOT[item], "wrapped": True}
    return result
