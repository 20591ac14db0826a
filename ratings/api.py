"""The star rating's API: rounds, each community's assessment through its steps, evidence, the
street's proposal and the district's publication, results (JSON, CSV, GeoJSON), moves between
quarters and the pay sheet. Every change answers with the assessment as the caller now reads it."""

import csv
import io
import json

from django.contrib.gis.geos import Point
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib import coords
from govgrid.lib.api_input import Versioned, checked
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.spreadsheet import safe_cell
from grids.api import AreaCodeField
from grids.models import Area, Level
from grids.scopes import Scope
from maps.queries import area_features

from . import assessing, pay, reading, stars
from . import schema as docs
from .models import Evidence, Round, quarter_label
from .pay_pdf import pay_sheet_pdf


class QuarterField(serializers.CharField):
    """A quarter written 2026Q3, as the first day of that quarter."""

    def to_internal_value(self, data):
        return assessing.parse_quarter(super().to_internal_value(data), field=self.field_name)


class ScopedView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def scope(self):
        return Scope.for_user(self.request.user)


def round_json(round_):
    return {
        "district": round_.district.code,
        "district_name": round_.district.name,
        "quarter": quarter_label(round_.quarter),
        "scheme": {"id": round_.scheme_id, "name": round_.scheme.name, "version": round_.scheme.version},
        "five_star_share": str(round_.five_star_share),
        "opened_at": round_.opened_at,
    }


def seen_round(scope, district, quarter):
    if not scope.sees_within(district):
        raise NotFound(_("No rating for %(quarter)s.") % {"quarter": quarter}, field="quarter")
    return assessing.round_of(district, quarter)


# --- rounds -----------------------------------------------------------------------------------------


class OpenRound(serializers.Serializer):
    district = AreaCodeField()
    quarter = QuarterField()


class RoundListView(ScopedView):
    """GET, POST /api/v1/ratings/rounds/"""

    @docs.round_list
    def get(self, request):
        rounds = Round.objects.select_related("district", "scheme").order_by("district__code", "-quarter")
        scope = self.scope
        return Response([round_json(r) for r in rounds if scope.sees_within(r.district.code)])

    @docs.round_open(OpenRound)
    def post(self, request):
        given = checked(OpenRound, request.data)
        round_, created = assessing.open_round(request.user, given["district"], given["quarter"])
        return Response(round_json(round_), status=201 if created else 200)


class RoundQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    status = serializers.ChoiceField(choices=assessing.Status.values, required=False)


class RoundView(ScopedView):
    """GET /api/v1/ratings/rounds/<district>/<quarter>/"""

    @docs.round_detail
    def get(self, request, district, quarter):
        round_ = seen_round(self.scope, district, quarter)
        given = checked(RoundQuery, request.query_params)
        prefixes = self.scope.read_prefixes(given.get("within"), field="within")
        rows = round_.assessments.select_related("community", "round").filter(stars.under(prefixes))
        if given.get("status"):
            rows = rows.filter(status=given["status"])
        scope = self.scope
        return Response(round_json(round_) | {"assessments": [reading.row(a, scope) for a in rows]})


class StreetRequest(serializers.Serializer):
    street = AreaCodeField()


class ProposeByPointsView(ScopedView):
    """POST /api/v1/ratings/rounds/<district>/<quarter>/propose-by-points/"""

    @docs.round_step("propose_by_points", StreetRequest)
    def post(self, request, district, quarter):
        round_ = seen_round(self.scope, district, quarter)
        street = checked(StreetRequest, request.data)["street"]
        proposed = assessing.propose_by_points(request.user, round_, _street_of(round_, street))
        return Response([reading.row(a, self.scope) for a in proposed])


class PublishView(ScopedView):
    """POST /api/v1/ratings/rounds/<district>/<quarter>/publish/"""

    @docs.round_step("publish", StreetRequest)
    def post(self, request, district, quarter):
        round_ = seen_round(self.scope, district, quarter)
        street = checked(StreetRequest, request.data)["street"]
        published = assessing.publish(request.user, round_, _street_of(round_, street))
        return Response([reading.row(a, self.scope) for a in published])


def _street_of(round_, code):
    if not Area.objects.filter(code=code, level=Level.STREET, code__startswith=round_.district.code).exists():
        raise GovgridError(_("Give a street of the district."), field="street")
    return code


# --- results --------------------------------------------------------------------------------------


RESULT_COLUMNS = ("community", "community_name", "status", "total", "suggested_stars", "stars", "previous_stars",
                  "change", "proposal_reason")  # fmt: skip


def result_rows(round_, prefixes):
    rows = []
    for found in stars.results(round_, prefixes):
        a, previous = found["assessment"], found["previous"]
        rows.append(
            {
                "community": a.community.code,
                "community_name": a.community.name,
                "status": a.status,
                "total": None if a.total is None else str(a.total),
                "suggested_stars": a.suggested_stars,
                "stars": a.stars if a.status == assessing.Status.PUBLISHED else None,
                "previous_stars": previous.stars if previous else None,
                "change": found["change"] if a.status == assessing.Status.PUBLISHED else None,
                "proposal_reason": a.proposal_reason if a.status == assessing.Status.PUBLISHED else "",
            }
        )
    return rows


class ResultsView(ScopedView):
    """GET /api/v1/ratings/rounds/<district>/<quarter>/results/ (.csv, .geojson): the published stars,
    with the stars in force before them and the change; what is not yet published has no stars."""

    fmt = "json"

    @docs.results("json")
    def get(self, request, district, quarter):
        return self.answer(request, district, quarter)

    def answer(self, request, district, quarter):
        round_ = seen_round(self.scope, district, quarter)
        given = checked(RoundQuery, request.query_params)
        rows = result_rows(round_, self.scope.read_prefixes(given.get("within"), field="within"))
        name = f"stars-{district}-{quarter_label(round_.quarter)}"
        if self.fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(RESULT_COLUMNS)
            for row in rows:
                writer.writerow(
                    ["" if row[c] is None else safe_cell(row[c], numeric=c in NUMERIC) for c in RESULT_COLUMNS]
                )
            return _download(out.getvalue(), "text/csv; charset=utf-8", f"{name}.csv")
        if self.fmt == "geojson":
            shapes = {
                f["properties"]["code"]: f for f in area_features([r["community"] for r in rows], digits=6)["features"]
            }
            features = [shapes[r["community"]] | {"properties": r} for r in rows if r["community"] in shapes]
            body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
            return _download(body, "application/geo+json", f"{name}.geojson")
        return Response(round_json(round_) | {"results": rows})


class ResultsCsvView(ResultsView):
    fmt = "csv"

    @docs.results("csv")
    def get(self, request, district, quarter):
        return self.answer(request, district, quarter)


class ResultsGeoJsonView(ResultsView):
    fmt = "geojson"

    @docs.results("geojson")
    def get(self, request, district, quarter):
        return self.answer(request, district, quarter)


NUMERIC = ("total", "suggested_stars", "stars", "previous_stars", "change")


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- an assessment ------------------------------------------------------------------------------------


class AssessmentView(ScopedView):
    """GET /api/v1/ratings/assessments/<id>/"""

    @docs.assessment_detail
    def get(self, request, pk):
        return Response(reading.detail(request.user, reading.seen(request.user, pk)))


class ScoreGiven(serializers.Serializer):
    points = serializers.CharField(max_length=12)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CheckGiven(serializers.Serializer):
    deductions = serializers.ListField(child=serializers.CharField(max_length=20), max_length=20, default=list)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ScoresRequest(Versioned):
    scores = serializers.DictField(child=ScoreGiven(), allow_empty=False)


class ReviewRequest(serializers.Serializer):
    scores = serializers.DictField(child=ScoreGiven(), allow_empty=False)


class InspectRequest(Versioned):
    checks = serializers.DictField(child=CheckGiven(), required=False, default=dict)


class ReturnRequest(Versioned):
    reason = serializers.CharField(max_length=500)


class ProposeRequest(Versioned):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# path word → (the input it takes, how it is taken)
ACTIONS = {
    "save": (ScoresRequest, lambda user, pk, g: assessing.save_own_scores(user, pk, g["scores"], g["version"])),
    "self-assess": (Versioned, lambda user, pk, g: assessing.submit_self_assessment(user, pk, g["version"])),
    "return": (ReturnRequest, lambda user, pk, g: assessing.return_to_community(user, pk, g["reason"], g["version"])),
    "review": (ReviewRequest, lambda user, pk, g: assessing.review(user, pk, g["scores"])),
    "close-review": (Versioned, lambda user, pk, g: assessing.close_review(user, pk, g["version"])),
    "inspect": (InspectRequest, lambda user, pk, g: assessing.inspect(user, pk, g["checks"], g["version"])),
    "propose": (ProposeRequest, lambda user, pk, g: assessing.propose(user, pk, g["stars"], g["reason"], g["version"])),
}  # fmt: skip


def _action_view(name):
    request_class, take = ACTIONS[name]

    class ActionView(ScopedView):
        @docs.action(name, request_class)
        def post(self, request, pk):
            take(request.user, pk, checked(request_class, request.data))
            return Response(reading.detail(request.user, reading.seen(request.user, pk)))

    ActionView.__name__ = ActionView.__qualname__ = "".join(w.title() for w in name.split("-")) + "View"
    ActionView.__doc__ = f"POST /api/v1/ratings/assessments/<id>/{name}/"
    return ActionView


ACTION_VIEWS = {name: _action_view(name) for name in ACTIONS}


class EvidenceRequest(serializers.Serializer):
    criterion = serializers.CharField(max_length=12)
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")

    def validate(self, data):
        if (data["lon"] is None) != (data["lat"] is None):
            raise serializers.ValidationError({"lat": _("Give both the longitude and the latitude, or neither.")})
        return data


class EvidenceView(ScopedView):
    """POST /api/v1/ratings/assessments/<id>/evidence/ (a form with its file)"""

    @docs.evidence(EvidenceRequest)
    def post(self, request, pk):
        given = checked(EvidenceRequest, request.data)
        location = None
        if given["lon"] is not None:
            x, y = coords.to_wgs84(given["lon"], given["lat"], given["crs"])
            location = Point(float(x), float(y), srid=4326)
        assessing.add_evidence(request.user, pk, given["criterion"], given["text"], given["file"], location)
        return Response(reading.detail(request.user, reading.seen(request.user, pk)), status=201)


class EvidenceFileView(ScopedView):
    """GET /api/v1/ratings/evidence/<id>/: the file, to those who see its community."""

    @docs.evidence_file
    def get(self, request, pk):
        item = Evidence.objects.select_related("assessment__community").filter(pk=pk).first()
        if item is None or not item.file or not self.scope.sees(item.assessment.community.code):
            raise NotFound(_("No evidence %(id)s in your areas.") % {"id": pk}, field="evidence")
        response = FileResponse(item.file.open("rb"), content_type=item.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- stars between quarters, pay ------------------------------------------------------------------


class AdjustRequest(serializers.Serializer):
    community = AreaCodeField()
    stars = serializers.IntegerField(min_value=1, max_value=5)
    effective_from = serializers.DateField()
    reason = serializers.CharField(max_length=500)


class StarsView(ScopedView):
    """POST /api/v1/ratings/stars/: move a community up or down from a day on."""

    @docs.adjust(AdjustRequest)
    def post(self, request):
        g = checked(AdjustRequest, request.data)
        record = stars.adjust(request.user, g["community"], g["stars"], g["effective_from"], g["reason"])
        return Response(
            {
                "community": g["community"],
                "stars": record.stars,
                "effective_from": record.effective_from,
                "kind": record.kind,
                "reason": record.reason,
            },  # fmt: skip
            status=201,
        )


class PayView(ScopedView):
    """GET /api/v1/ratings/pay/<street>/<quarter>/ (.csv)"""

    fmt = "json"

    @docs.pay("json")
    def get(self, request, street, quarter):
        return self.answer(request, street, quarter)

    def answer(self, request, street, quarter):
        area = self.scope.area_seen(street, field="street")
        if area.level != Level.STREET:
            raise GovgridError(_("Give a street of the district."), field="street")
        sheet = pay.pay_sheet(area, assessing.parse_quarter(quarter))
        if self.fmt == "pdf":
            response = HttpResponse(pay_sheet_pdf(sheet), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="pay-{street}-{quarter}.pdf"'
            return response
        if self.fmt == "csv":
            out = io.StringIO()
            pay.write_csv(sheet, out)
            return _download(out.getvalue(), "text/csv; charset=utf-8", f"pay-{street}-{quarter}.csv")
        rows = [r | {"pay": None if r["pay"] is None else str(r["pay"])} for r in sheet["rows"]]
        return Response(
            sheet | {"quarter": quarter_label(sheet["quarter"]), "total": str(sheet["total"]), "rows": rows}
        )


class PayPdfView(PayView):
    fmt = "pdf"

    @docs.pay("pdf")
    def get(self, request, street, quarter):
        return self.answer(request, street, quarter)


class PayCsvView(PayView):
    fmt = "csv"

    @docs.pay("csv")
    def get(self, request, street, quarter):
        return self.answer(request, street, quarter)
