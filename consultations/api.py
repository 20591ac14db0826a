"""The consultations' API: items in scope, their actions (consultations.services), a community's
method, the residents' proposals by QR code and private link (no account), and the figures with
their CSV export."""

import io
import tempfile

from django.http import FileResponse
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from exports.api import AnyAccept
from govgrid.lib.api_input import Versioned, checked
from govgrid.lib.errors import NotFound
from govgrid.lib.moments import BoundedDateTimeField
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField
from grids.models import Level
from grids.scopes import Scope
from incidents.figures_api import FiguresQuery, read_query
from residents import links
from residents.senders import address_of, check_same_site, device_of

from . import proposals, reading, services
from . import schema as docs
from .figures import consultation_figures, consultation_figures_csv
from .models import Item, Method
from .stages import DEFAULT_STAGES, PARTICIPANT_KINDS


class ScopedView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def scope(self):
        return Scope.for_user(self.request.user)


class ListQuery(serializers.Serializer):
    community = AreaCodeField(required=False)
    status = serializers.ChoiceField(choices=Item.Status.choices, required=False)


class ProposalRequest(serializers.Serializer):
    community = AreaCodeField()
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    proposer_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    proposer_phone = serializers.RegexField(r"^[0-9+\- ]{5,20}$", required=False, allow_blank=True, default="")
    participants = serializers.ListField(
        child=serializers.ChoiceField(choices=list(PARTICIPANT_KINDS.items())), required=False, default=list
    )


@personal_data  # proposers' names and phones
class ItemListView(ScopedView):
    """GET, POST /api/v1/consultations/"""

    @docs.item_list
    def get(self, request):
        query = checked(ListQuery, request.query_params)
        scope = self.scope
        items = reading.items_in(scope, query.get("community", ""), query.get("status", ""))[:500]
        return Response([reading.row(item, scope) for item in items])

    @docs.item_create(ProposalRequest)
    def post(self, request):
        given = checked(ProposalRequest, request.data)
        item = services.propose(request.user, given.pop("community"), **given)
        return Response(reading.detail(reading.item_seen(self.scope, item.pk), self.scope), status=201)


@personal_data
class ItemView(ScopedView):
    """GET /api/v1/consultations/<id>/"""

    @docs.item_detail
    def get(self, request, pk):
        scope = self.scope
        return Response(reading.detail(reading.item_seen(scope, pk), scope))


class AdvanceRequest(Versioned):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    to = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None, help_text=gettext_lazy("The stage to reach.")
    )


class MeetingRequest(Versioned):
    held_at = BoundedDateTimeField()
    place = serializers.CharField(max_length=100)
    minutes = serializers.CharField(max_length=10000)
    attendance = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10000), required=False, default=dict,
        help_text=gettext_lazy("How many came, by kind of participant."),
    )  # fmt: skip
    attendees = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list, max_length=500
    )


class DecideRequest(Versioned):
    decision = serializers.CharField(max_length=5000)


class FollowUpRequest(Versioned):
    category = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    incident = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)


class EvaluateRequest(Versioned):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    resident_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class DropRequest(Versioned):
    reason = serializers.CharField(max_length=500)


class ActionView(ScopedView):
    """POST /api/v1/consultations/<id>/<action>/: one view per action, each described on its own."""

    def act(self, request, pk, request_class, change):
        given = dict(checked(request_class, request.data))
        change(request.user, pk, given.pop("version"), **given)
        scope = self.scope
        return Response(reading.detail(reading.item_seen(scope, pk), scope))


@personal_data
class AdvanceView(ActionView):
    @docs.action("advance", AdvanceRequest)
    def post(self, request, pk):
        return self.act(request, pk, AdvanceRequest, services.advance)


@personal_data
class MeetingView(ActionView):
    @docs.action("meeting", MeetingRequest)
    def post(self, request, pk):
        return self.act(request, pk, MeetingRequest, services.record_meeting)


@personal_data
class DecideView(ActionView):
    @docs.action("decide", DecideRequest)
    def post(self, request, pk):
        return self.act(request, pk, DecideRequest, services.decide)


@personal_data
class FollowUpView(ActionView):
    @docs.action("follow_up", FollowUpRequest)
    def post(self, request, pk):
        return self.act(request, pk, FollowUpRequest, services.follow_up)


@personal_data
class EvaluateView(ActionView):
    @docs.action("evaluate", EvaluateRequest)
    def post(self, request, pk):
        return self.act(request, pk, EvaluateRequest, services.evaluate)


@personal_data
class DropView(ActionView):
    @docs.action("drop", DropRequest)
    def post(self, request, pk):
        return self.act(request, pk, DropRequest, services.drop)


class StageRequest(serializers.Serializer):
    name = serializers.CharField(max_length=30)
    kind = serializers.ChoiceField(choices=["proposal", "review", "deliberation", "publication", "decision",
                                            "implementation", "evaluation"])  # fmt: skip


class MethodRequest(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    stages = StageRequest(many=True)


def method_answer(community, method):
    return {
        "community": community.code,
        "name": method.name if method else "",
        "stages": method.stages if method else DEFAULT_STAGES,
        "own": method is not None,
    }


@personal_data
class MethodView(ScopedView):
    """GET, PUT /api/v1/consultations/methods/<community code>/"""

    @docs.method_read
    def get(self, request, code):
        area = self.scope.area_seen(code, field="community")
        return Response(method_answer(area, Method.objects.filter(community=area).first()))

    @docs.method_set(MethodRequest)
    def put(self, request, code):
        given = checked(MethodRequest, request.data)
        method = services.set_method(request.user, code, [dict(s) for s in given["stages"]], given["name"])
        return Response(method_answer(method.community, method))


# --- residents, with no account -----------------------------------------------------------------


class ResidentProposalRequest(serializers.Serializer):
    place = serializers.CharField(max_length=16)
    client_id = serializers.UUIDField()
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.RegexField(r"^[0-9+\- ]{5,20}$", required=False, allow_blank=True, default="")
    secret = serializers.RegexField(links.SECRET_PATTERN, required=False, allow_blank=True, default="")


def proposed_answer(item, secret):
    link = f"/r/c/{secret}/" if secret else None
    return {"id": item.pk, "link": link, "status": item.status, "proposed_at": item.proposed_at}


@personal_data  # the answer's private link is the resident's key
class ResidentProposalView(APIView):
    """POST /api/v1/resident/consultations/: a resident's proposal from the resident page."""

    authentication_classes = []
    permission_classes = []

    @docs.resident_proposal(ResidentProposalRequest)
    def post(self, request):
        check_same_site(request)
        given = checked(ResidentProposalRequest, request.data)
        item, created, secret = proposals.receive(
            given.pop("place"), device=device_of(request), address=address_of(request), **given
        )
        return Response(proposed_answer(item, secret), status=201 if created else 200)


def _by_secret(secret):
    item = proposals.by_secret(secret)
    if item is None:
        raise NotFound(proposals.NOT_FOUND, field="secret")
    return item


@personal_data
class ResidentFollowView(APIView):
    """GET /api/v1/resident/consultations/<secret>/"""

    authentication_classes = []
    permission_classes = []

    @docs.resident_follow
    def get(self, request, secret):
        return Response(proposals.public_view(_by_secret(secret)))


class ResidentEvaluationRequest(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@personal_data
class ResidentEvaluateView(APIView):
    """POST /api/v1/resident/consultations/<secret>/evaluate/"""

    authentication_classes = []
    permission_classes = []

    @docs.resident_evaluate(ResidentEvaluationRequest)
    def post(self, request, secret):
        given = checked(ResidentEvaluationRequest, request.data)
        item = services.evaluate_by_link(_by_secret(secret), given["rating"], given["comment"])
        return Response(proposals.public_view(item))


# --- figures ------------------------------------------------------------------------------------


class ConsultationFiguresQuery(FiguresQuery):
    level = serializers.ChoiceField(
        choices=[(level, Level(level).label) for level in ("district", "street", "community")]
    )


@personal_data  # figures for those who see the area
class FiguresView(ScopedView):
    """GET /api/v1/figures/consultations/?within=<code>&level=<level>&since=<time>&until=<time>"""

    @docs.figures(ConsultationFiguresQuery)
    def get(self, request):
        data = read_query(ConsultationFiguresQuery, request, self.scope)
        return Response(consultation_figures(data["within"], data["level"], data["since"], data["until"]))


@personal_data  # an export: never kept by a shared browser or a proxy
class FiguresExportView(ScopedView):
    """GET /api/v1/export/consultations.csv: the rows of the figures as CSV."""

    content_negotiation_class = AnyAccept

    @docs.figures_export(ConsultationFiguresQuery)
    def get(self, request):
        data = read_query(ConsultationFiguresQuery, request, self.scope)
        out = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b")
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        consultation_figures_csv(text, data["within"], data["level"], data["since"], data["until"])
        text.detach()
        out.seek(0)
        filename = f"consultations-{data['within']}-{data['level']}.csv"
        return FileResponse(out, as_attachment=True, filename=filename, content_type="text/csv; charset=utf-8")
