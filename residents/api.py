"""The residents' API: reporting from a QR code and following by the private link (no account), and
the staff's queue of reports to accept, merge or decline (立案)."""

from django.http import FileResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib import coords
from govgrid.lib.errors import NotFound
from govgrid.lib.privacy import personal_data
from grids.scopes import Scope
from incidents.figures_api import FiguresQuery, read_query

from . import acceptance, adding, following, links, senders
from . import schema as docs
from .figures import resident_figures
from .intake import Submission, receive
from .links import digest_of
from .models import ReportPhoto, ResidentReport
from .senders import address_of, device_of


class SubmissionSerializer(serializers.Serializer):
    place = serializers.CharField(max_length=16)
    client_id = serializers.UUIDField()
    topic = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=ResidentReport.Kind.choices, default=ResidentReport.Kind.PROBLEM)
    description = serializers.CharField(max_length=2000)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")
    located_by = serializers.ChoiceField(choices=["gps", "map", "code"], default="code")
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.RegexField(r"^[0-9+\- ]{5,20}$", required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20)
    # the private link's secret, made on the phone with the client_id (residents.links)
    secret = serializers.RegexField(links.SECRET_PATTERN, required=False, allow_blank=True, default="")

    def validate(self, data):
        if (data["lon"] is None) != (data["lat"] is None):
            raise serializers.ValidationError({"lat": _("Give both the longitude and the latitude, or neither.")})
        return data


def received_answer(report, secret):
    return {
        "tracking_code": report.tracking_code,
        "link": f"/r/t/{secret}/" if secret else None,
        "status": report.status,
        "received_at": report.received_at,
        "due_at": report.due_at,
    }


@personal_data  # the answer's private link is the resident's key
class ResidentReportView(APIView):
    """POST /api/v1/resident/reports/: a resident's report from the resident page."""

    authentication_classes = []
    permission_classes = []

    @docs.resident_report(SubmissionSerializer)
    def post(self, request):
        senders.check_same_site(request)
        data = request.data
        if hasattr(data, "getlist"):  # a form: the photos are its files
            data = {key: request.data.get(key) for key in request.data if key != "photos"}
            data["photos"] = request.FILES.getlist("photos")
        checked = SubmissionSerializer(data=data)
        checked.is_valid(raise_exception=True)
        fields = dict(checked.validated_data)
        token, photos = fields.pop("place"), fields.pop("photos")
        report, created, secret = receive(
            token,
            Submission(**fields),
            photos=photos,
            device=device_of(request),
            address=address_of(request),
            language=get_language() or "zh-hans",
        )
        return Response(received_answer(report, secret), status=201 if created else 200)


@personal_data  # a resident's own report, by its private link
class FollowView(APIView):
    """GET /api/v1/resident/reports/<secret>/: what the resident sees of their report."""

    authentication_classes = []
    permission_classes = []

    @docs.followed
    def get(self, request, secret):
        return Response(following.public_view(_by_secret(secret)))


@personal_data  # a resident's own report, by its private link
class RateView(APIView):
    """POST /api/v1/resident/reports/<secret>/rate/: the resident's rating of the result."""

    authentication_classes = []
    permission_classes = []

    @docs.rated
    def post(self, request, secret):
        report = _by_secret(secret)
        checked = docs.Rating(data=request.data)
        checked.is_valid(raise_exception=True)
        following.rate(report, checked.validated_data["rating"], checked.validated_data["comment"])
        report.refresh_from_db()
        return Response(following.public_view(report))


@personal_data  # a resident's own report, by its private link
class AddView(APIView):
    """POST /api/v1/resident/reports/<secret>/notes/: the resident adds a note or photos."""

    authentication_classes = []
    permission_classes = []

    @docs.added
    def post(self, request, secret):
        report = _by_secret(secret)
        data = request.data
        if hasattr(data, "getlist"):
            data = {"text": data.get("text", ""), "photos": request.FILES.getlist("photos")}
        checked = docs.Addition(data=data)
        checked.is_valid(raise_exception=True)
        given = checked.validated_data
        senders.check_same_site(request)
        adding.add(report, given["text"], given["photos"], device_of(request), address_of(request))
        report.refresh_from_db()
        return Response(following.public_view(report))


def _by_secret(secret):
    report = ResidentReport.objects.select_related("incident").filter(secret_digest=digest_of(secret)).first()
    if report is None:
        raise NotFound(following.NOT_FOUND, field="secret")
    return report


@personal_data  # residents' contacts and photos
class PendingView(APIView):
    """GET /api/v1/resident-reports/: the reports waiting for the caller's decision."""

    permission_classes = [IsAuthenticated]

    @docs.pending_list
    def get(self, request):
        scope = Scope.for_user(request.user)
        rows = acceptance.pending(scope)[:200]
        return Response([following.staff_row(report, scope) for report in rows])


class DecisionRequest(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    category = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    incident = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    grid = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")  # accept: another grid


@personal_data
class DecisionView(APIView):
    """POST /api/v1/resident-reports/<tracking code>/<accept|merge|decline>/."""

    permission_classes = [IsAuthenticated]

    @docs.decision(DecisionRequest)
    def post(self, request, code, decision):
        checked = DecisionRequest(data=request.data)
        checked.is_valid(raise_exception=True)
        given = checked.validated_data
        report = acceptance.decide(
            request.user,
            code,
            decision,
            given["version"],
            category=given["category"],
            incident=given["incident"],
            reason=given["reason"],
            grid=given["grid"],
        )
        return Response(
            {
                "tracking_code": report.tracking_code,
                "status": report.status,
                "version": report.version,
                "incident": report.incident.code if report.incident_id else None,
            }
        )


@personal_data
class ReportPhotoView(APIView):
    """GET /api/v1/resident-reports/<tracking code>/photos/<id>/: a photo, to those who may decide."""

    permission_classes = [IsAuthenticated]

    @docs.report_photo
    def get(self, request, code, photo_id):
        scope = Scope.for_user(request.user)
        photo = (
            ReportPhoto.objects.select_related("report__grid").filter(pk=photo_id, report__tracking_code=code).first()
        )
        if photo is None or not scope.sees(photo.report.grid.code):
            raise NotFound(_("No such photo."))
        return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


@personal_data  # figures of residents' reports, for those who see the area
class ResidentFiguresView(APIView):
    """GET /api/v1/figures/residents/?within=<code>&level=<level>&since=<time>&until=<time>"""

    permission_classes = [IsAuthenticated]

    @docs.resident_figures(FiguresQuery)
    def get(self, request):
        data = read_query(FiguresQuery, request, Scope.for_user(request.user))
        return Response(resident_figures(data["within"], data["level"], data["since"], data["until"]))
