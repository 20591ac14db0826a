"""Peers for the benchmarks.

POST {"client_id", "lon", "lat"} → one row inserted: the peer of POST /api/v1/incidents/ (bench/intake.py).
Plain Django, the same middleware as the rest of the site, but no DRF, no login, no CSRF, no
point-in-polygon, no checks beyond what the insert itself needs.

POST token-points/: the same insert behind DRF with token login, measured in-process only: the
framework's own share of a report (parsing, authentication, the answer), for bench/intake.py.

GET incidents.geojson: the naive export, the peer of GET /api/v1/export/incidents.geojson (bench/export.py)."""

import json

from django.contrib.gis.geos import Point
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from grids.scopes import Scope
from incidents.models import Incident

from .models import BarePoint


@csrf_exempt
@require_POST
def insert_point(request):
    data = json.loads(request.body)
    row = BarePoint.objects.create(
        client_id=data["client_id"], location=Point(float(data["lon"]), float(data["lat"]), srid=4326)
    )
    return JsonResponse({"id": row.id, "client_id": str(row.client_id)}, status=201)


class TokenInsertPoint(APIView):
    """POST {"client_id", "lon", "lat"} with `Authorization: Token ...` → one row inserted."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request):
        data = request.data
        row = BarePoint.objects.create(
            client_id=data["client_id"], location=Point(float(data["lon"]), float(data["lat"]), srid=4326)
        )
        return Response({"id": row.id, "client_id": str(row.client_id)}, status=201)


class NaiveIncidentFeature(GeoFeatureModelSerializer):
    """djangorestframework-gis as its documentation shows it: one serializer over the model."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Incident
        geo_field = "location"
        id_field = "code"
        fields = [
            "code", "category", "status", "level", "area_code", "grid", "description", "channel", "reported_at",
            "received_at", "due_at", "accuracy_m", "low_accuracy", "rating", "contact_name", "contact_phone",
        ]  # fmt: skip


class NaiveIncidentExport(ListAPIView):
    """GET /bench/bare/incidents.geojson[?limit=N] — the peer of GET /api/v1/export/incidents.geojson:
    a ListAPIView with no pagination over the caller's cases (the same Scope), the first `limit` by id."""

    serializer_class = NaiveIncidentFeature
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        scope = Scope.for_user(self.request.user)
        cases = Incident.objects.select_related("category", "grid").defer("grid__geom")
        cases = scope.filter(cases, "area_code").order_by("id")
        limit = int(self.request.query_params.get("limit", 0))
        return cases[:limit] if limit else cases
