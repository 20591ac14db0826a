"""How the consultations' API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

from .models import Item

TAG = ["consultations"]


class ConsultationProposer(serializers.Serializer):
    name = serializers.CharField(allow_null=True, help_text=_("Left out where personal data is not shown."))
    phone = serializers.CharField(allow_blank=True, help_text=_("Masked where personal data is not shown."))
    shown = serializers.BooleanField()


class ConsultationItemRow(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text=_("Send it back with an action: a stale one answers 409."))
    community = serializers.CharField()
    community_name = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(help_text=_("open, decided, solved or dropped."))
    status_label = serializers.CharField()
    stage = serializers.IntegerField(help_text=_("The index of the current stage in `stages`."))
    stage_name = serializers.CharField()
    stage_kind = serializers.CharField()
    proposed_by_resident = serializers.BooleanField()
    proposed_at = serializers.DateTimeField()
    proposer = ConsultationProposer()


class ConsultationStage(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    state = serializers.ChoiceField(choices=["done", "current", "later"])


class ConsultationParticipant(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()


class ConsultationStep(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_stage = serializers.IntegerField(allow_null=True)
    to_stage = serializers.IntegerField(allow_null=True)
    to_name = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    by = serializers.CharField()
    at = serializers.DateTimeField()


class ConsultationAttendance(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class ConsultationMeeting(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField()
    minutes = serializers.CharField()
    attendance = ConsultationAttendance(many=True)
    attended = serializers.IntegerField()
    attendees = serializers.ListField(child=serializers.CharField(), allow_null=True)


class ConsultationFollowUp(serializers.Serializer):
    incident = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    created = serializers.BooleanField(help_text=_("Made for the item, or an existing case linked."))
    at = serializers.DateTimeField()


class ConsultationEvaluation(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)
    by = serializers.ChoiceField(choices=["resident", "staff"])
    resident_name = serializers.CharField(allow_null=True, allow_blank=True)
    at = serializers.DateTimeField()


class ConsultationItemDetail(ConsultationItemRow):
    description = serializers.CharField(allow_blank=True)
    participants = ConsultationParticipant(many=True)
    stages = ConsultationStage(many=True)
    decision = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    solved_at = serializers.DateTimeField(allow_null=True)
    dropped_reason = serializers.CharField(allow_blank=True)
    steps = ConsultationStep(many=True)
    meetings = ConsultationMeeting(many=True)
    follow_ups = ConsultationFollowUp(many=True)
    evaluations = ConsultationEvaluation(many=True)
    may_change = serializers.BooleanField()


class ConsultationMethod(serializers.Serializer):
    community = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    stages = serializers.ListField(child=serializers.DictField())
    own = serializers.BooleanField(help_text=_("Whether the community set its own stages (else the default)."))


item_list = extend_schema(
    operation_id="consultation_list",
    tags=TAG,
    summary=_("Consultation items in your areas, newest first"),
    parameters=[
        OpenApiParameter("community", str, description=_("Only items of this community (or area) code.")),
        OpenApiParameter("status", str, enum=Item.Status.values),
    ],
    responses={200: ConsultationItemRow(many=True), **errors(400, 401)},
)


def item_create(request):
    return extend_schema(
        operation_id="consultation_create",
        tags=TAG,
        summary=_("Record an issue raised for consultation"),
        description=_("By the community's dispatchers and those above them; leaders and analysts read only."),
        request=request,
        responses={201: ConsultationItemDetail, **errors(400, 401, 403, 404)},
    )


item_detail = extend_schema(
    operation_id="consultation_detail",
    tags=TAG,
    summary=_("A consultation item: its stages, meetings, decision, follow-up cases and evaluations"),
    responses={200: ConsultationItemDetail, **errors(401, 404)},
)

ACTIONS = {
    "advance": _("Move the item on to its next stage (never skipping one)"),
    "meeting": _("Record a meeting: minutes and attendance"),
    "decide": _("Record the decision, at the decision stage"),
    "follow_up": _("Create a follow-up case, or link an open one"),
    "evaluate": _("Record a resident's evaluation (1–5), at the evaluation stage"),
    "drop": _("Drop the item, with the reason"),
}


def action(name, request):
    return extend_schema(
        operation_id=f"consultation_{name}",
        tags=TAG,
        summary=ACTIONS[name],
        description=_(
            "Send the `version` you read: a stale one, a skipped stage or an action the item's state does not "
            "allow answers 409; leaders and analysts get 403."
        ),
        request=request,
        responses={200: ConsultationItemDetail, **errors(400, 401, 403, 404, 409, 422)},
    )


method_read = extend_schema(
    operation_id="consultation_method_read",
    tags=TAG,
    summary=_("A community's consultation method: its ordered stages"),
    responses={200: ConsultationMethod, **errors(401, 404)},
)


def method_set(request):
    return extend_schema(
        operation_id="consultation_method_set",
        tags=TAG,
        summary=_("Set a community's own stages for the items raised from now on"),
        description=_(
            "One proposal, one decision, one implementation and one evaluation stage, in this order, "
            "starting with the proposal and ending with the evaluation; review, deliberation and "
            "publication stages anywhere between."
        ),
        request=request,
        responses={200: ConsultationMethod, **errors(400, 401, 403, 404)},
    )


class ConsultationProposed(serializers.Serializer):
    id = serializers.IntegerField()
    link = serializers.CharField(
        allow_null=True,
        help_text=_("The private link where the resident follows the item (none for a retry without its secret)."),
    )
    status = serializers.CharField()
    proposed_at = serializers.DateTimeField()


class ConsultationPublicStage(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    done = serializers.BooleanField()
    current = serializers.BooleanField()


class ConsultationPublicItem(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    community = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    stages = ConsultationPublicStage(many=True)
    decision = serializers.CharField(allow_blank=True)
    dropped_reason = serializers.CharField(allow_blank=True)
    proposed_at = serializers.DateTimeField()
    may_evaluate = serializers.BooleanField()
    rating = serializers.IntegerField(allow_null=True)


def resident_proposal(request):
    return extend_schema(
        operation_id="resident_consultation_create",
        tags=TAG,
        summary=_("A resident proposes an issue for consultation from a QR code (no account)"),
        description=_(
            "`place` is the token of the QR code's address (/r/<token>/); the item belongs to that place's "
            "community. A retry with the same `client_id` answers 200 with the same item and link. Throttled "
            "per device and per address: 429 with `retry_after` (seconds). A replaced QR code answers 410."
        ),
        request=request,
        responses={201: ConsultationProposed, 200: ConsultationProposed, **errors(400, 404, 409, 422, 429)},
        auth=[],
    )


resident_follow = extend_schema(
    operation_id="resident_consultation_follow",
    tags=TAG,
    summary=_("The proposer follows the item by the private link"),
    responses={200: ConsultationPublicItem, **errors(404)},
    auth=[],
)


def resident_evaluate(request):
    return extend_schema(
        operation_id="resident_consultation_evaluate",
        tags=TAG,
        summary=_("The proposer evaluates the result (1–5), once, at the evaluation stage"),
        request=request,
        responses={200: ConsultationPublicItem, **errors(400, 404, 409)},
        auth=[],
    )


class ConsultationFiguresRow(serializers.Serializer):
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    raised = serializers.IntegerField()
    raised_by_residents = serializers.IntegerField()
    decided = serializers.IntegerField()
    solved = serializers.IntegerField()
    dropped = serializers.IntegerField()
    under_way = serializers.IntegerField()
    evaluations = serializers.IntegerField()
    satisfied = serializers.IntegerField(help_text=_("Evaluations of 4 or 5."))
    solved_share = serializers.FloatField(allow_null=True, help_text=_("Solved / raised."))
    satisfied_share = serializers.FloatField(allow_null=True, help_text=_("Satisfied / evaluations."))


def figures(query):
    return extend_schema(
        operation_id="consultation_figures",
        tags=TAG,
        summary=_("Consultations per area: raised, decided, solved, and residents' satisfaction"),
        description=_("Items raised in [since, until), per community, street or district inside `within`."),
        parameters=[query, within_parameter(required=True)],
        responses={200: ConsultationFiguresRow(many=True), **errors(400, 401, 404)},
    )


def figures_export(query):
    return extend_schema(
        operation_id="export_consultations_csv",
        tags=TAG,
        summary=_("Consultations in figures as CSV"),
        description=_("The rows of /api/v1/figures/consultations/, one line each."),
        parameters=[query, within_parameter(required=True)],
        responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 404)},
    )
