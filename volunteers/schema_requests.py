"""How the service requests' API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors

TAG = ["service requests"]


class ServiceContact(serializers.Serializer):
    name = serializers.CharField(allow_null=True, help_text=_("Left out where personal data is not shown."))
    phone = serializers.CharField(allow_blank=True, help_text=_("Masked where personal data is not shown."))
    shown = serializers.BooleanField()


class ServiceVolunteer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ServiceRequestRow(serializers.Serializer):
    tracking_code = serializers.CharField()
    version = serializers.IntegerField(help_text=_("Send it back with a staff action: a stale one answers 409."))
    status = serializers.CharField(help_text=_("asked, refused, case, offered, claimed, done, confirmed or cancelled."))
    status_label = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    for_whom = serializers.CharField()
    for_whom_label = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField(allow_blank=True)
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    wanted_from = serializers.DateTimeField(allow_null=True)
    wanted_until = serializers.DateTimeField(allow_null=True)
    community = serializers.CharField()
    community_name = serializers.CharField()
    grid = serializers.CharField(allow_null=True)
    grid_name = serializers.CharField(allow_null=True)
    channel = serializers.CharField()
    channel_label = serializers.CharField()
    asked_at = serializers.DateTimeField()
    tier = serializers.CharField(
        allow_blank=True, help_text=_("Who it is offered to now: linked, grid_team, community_teams or staff.")
    )
    tier_label = serializers.CharField(allow_blank=True)
    volunteer = ServiceVolunteer(allow_null=True)
    claimed_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    minutes = serializers.IntegerField(allow_null=True)
    done_note = serializers.CharField(allow_blank=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    rating_note = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    case = serializers.CharField(allow_null=True)
    contact = ServiceContact()
    photos = serializers.ListField(
        child=serializers.CharField(), help_text=_("The photos of the service done: their addresses.")
    )
    actions = serializers.ListField(
        child=serializers.CharField(), help_text=_("What the caller may do now: the path word of each action.")
    )


class ServiceStep(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    offered_to = serializers.IntegerField(allow_null=True)


class ServiceRequestDetail(ServiceRequestRow):
    steps = ServiceStep(many=True)


class ServiceKind(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ServiceKinds(serializers.Serializer):
    kinds = ServiceKind(many=True)
    for_whom = ServiceKind(many=True)


request_list = extend_schema(
    operation_id="service_request_list",
    tags=TAG,
    summary=_("Service requests the caller reads: in their areas, or theirs as a volunteer"),
    parameters=[
        OpenApiParameter("mine", str, enum=["offered", "tasks", "asked"], description=_(
            "offered: offered to the caller now; tasks: claimed by the caller; asked: asked by the caller."
        )),
        OpenApiParameter("status", str),
        OpenApiParameter("community", str, description=_("A community's code (or a street's, a district's).")),
    ],
    responses={200: ServiceRequestRow(many=True), **errors(400, 401)},
)  # fmt: skip


def request_create(request):
    return extend_schema(
        operation_id="service_request_create",
        tags=TAG,
        summary=_("Ask for a service for a resident (a grid worker or community staff)"),
        description=_("A retry with the same `client_id` answers 200 with the same request."),
        request=request,
        responses={201: ServiceRequestDetail, 200: ServiceRequestDetail, **errors(400, 401, 403, 404, 409)},
    )


request_detail = extend_schema(
    operation_id="service_request_detail",
    tags=TAG,
    summary=_("A service request with its steps"),
    responses={200: ServiceRequestDetail, **errors(401, 404)},
)

ACTIONS = {
    "accept": _("Accept the request (审核): it is offered at once"),
    "refuse": _("Refuse the request, with the reason the resident reads"),
    "make-case": _("Make the request a case (a governance problem, not a service)"),
    "assign": _("Give the request to someone serving in the community (派单 by hand)"),
    "cancel": _("Cancel the request, with the reason"),
    "confirm": _("Confirm a service done for a resident without a phone, with their rating"),
    "claim": _("Claim the request (接单): the first claim wins, a later one answers 409 claimed"),
    "give-back": _("Give the request back, with the reason: it is offered again"),
    "done": _("Record the service done, with the minutes it took"),
}


def action(name, request):
    return extend_schema(
        operation_id=f"service_request_{name.replace('-', '_')}",
        tags=TAG,
        summary=ACTIONS[name],
        description=_(
            "Staff actions carry the `version` read: a stale one answers 409 stale; an action the request's "
            "status does not allow answers 409 wrong_status."
        ),
        request=request,
        responses={200: ServiceRequestDetail, **errors(400, 401, 403, 404, 409)},
    )


photo = extend_schema(
    operation_id="service_request_photo",
    tags=TAG,
    summary=_("A photo of the service done"),
    responses={(200, "image/*"): OpenApiTypes.BINARY, **errors(401, 404)},
)

kinds_offered = extend_schema(
    operation_id="service_kinds",
    tags=TAG,
    summary=_("The kinds of service a community offers, and for whom one may ask"),
    parameters=[OpenApiParameter("community", str, required=True)],
    responses={200: ServiceKinds, **errors(400, 404)},
)


class ResidentServiceAsked(serializers.Serializer):
    tracking_code = serializers.CharField()
    link = serializers.CharField(
        allow_null=True,
        help_text=_("The private link where the resident follows the request (none for a retry without its secret)."),
    )
    status = serializers.CharField()
    asked_at = serializers.DateTimeField()


class ResidentServiceStep(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()


class ResidentServiceView(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    for_whom = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField(allow_blank=True)
    wanted_from = serializers.DateTimeField(allow_null=True)
    wanted_until = serializers.DateTimeField(allow_null=True)
    community = serializers.CharField()
    asked_at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)
    case = serializers.CharField(allow_null=True)
    volunteer = serializers.CharField(allow_null=True, help_text=_("The volunteer's surname, the rest masked."))
    done_at = serializers.DateTimeField(allow_null=True)
    done_note = serializers.CharField(allow_blank=True)
    rating = serializers.IntegerField(allow_null=True)
    may_rate = serializers.BooleanField()
    may_cancel = serializers.BooleanField()
    steps = ResidentServiceStep(many=True)


def resident_ask(request):
    return extend_schema(
        operation_id="resident_service_ask",
        tags=["residents"],
        summary=_("A resident asks for a service from the resident page (no account)"),
        description=_(
            "`place` is the QR code's token. A retry with the same `client_id` and content answers 200 with "
            "the same request; other content under that id answers 409. Throttled per device and address "
            "(429). A replaced QR code answers 410."
        ),
        request=request,
        responses={201: ResidentServiceAsked, 200: ResidentServiceAsked, **errors(400, 403, 404, 409, 422, 429)},
    )


resident_follow = extend_schema(
    operation_id="resident_service_follow",
    tags=["residents"],
    summary=_("What the resident sees of their request, by its private link"),
    responses={200: ResidentServiceView, **errors(404)},
)


def resident_act(name, request):
    summaries = {
        "confirm": _("The resident confirms the service done and rates it (1–5)"),
        "cancel": _("The resident cancels the request before it is claimed"),
    }
    return extend_schema(
        operation_id=f"resident_service_{name}",
        tags=["residents"],
        summary=summaries[name],
        request=request,
        responses={200: ResidentServiceView, **errors(400, 404, 409)},
    )
