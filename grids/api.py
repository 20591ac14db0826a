"""Areas API: list (GeoJSON), one area, and the point lookup that answers grid → district.

Every view answers only inside the caller's scope (grids.scopes): outside it, an area is 404.
"""

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from govgrid.lib import coords
from govgrid.lib.errors import NotFound
from govgrid.lib.moments import BoundedDateField

from . import schema as docs
from .models import Area, Level, level_for_code
from .scopes import Scope


class ScopedMixin:
    """Authenticated callers only; `self.scope` says what they may see and change."""

    permission_classes = [IsAuthenticated]

    @cached_property
    def scope(self):
        return Scope.for_user(self.request.user)


class AreaFeatureSerializer(GeoFeatureModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    geom = GeometryField(precision=7)  # 7 decimals ≈ 1 cm

    class Meta:
        model = Area
        geo_field = "geom"
        id_field = "code"
        fields = ["code", "name", "level", "parent", "kind", "households", "population", "valid_from", "valid_to"]

    def to_representation(self, instance):
        # The code is the Feature's id and also a property, since GIS tools read ids inconsistently.
        feature = super().to_representation(instance)
        feature["properties"] = {"code": instance.code, **feature["properties"]}
        return feature


class AreaPagination(GeoJsonPagination):
    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 10000


class AreaCodeField(serializers.RegexField):
    """A query parameter that names an area by its code: 6, 9, 12 or 15 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": gettext_lazy("An area code is 6, 9, 12 or 15 digits.")})
        super().__init__(r"^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$", **kwargs)


def as_of_field():
    return BoundedDateField(
        required=False,
        help_text=gettext_lazy(
            "A day (YYYY-MM-DD): the areas of the generation in force that day; today's when not given."
        ),
    )


def areas_as_of(as_of):
    """The areas of the day asked, or the current ones."""
    return Area.objects.all() if as_of is None else Area.every.as_of(as_of)


class AreaListQuery(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    within = AreaCodeField(required=False)
    as_of = as_of_field()


class AsOfQuery(serializers.Serializer):
    as_of = as_of_field()


@extend_schema_view(get=docs.area_list(AreaListQuery))
class AreaListView(ScopedMixin, ListAPIView):
    """GET /api/v1/areas/?level=grid&within=<code> — a GeoJSON FeatureCollection, in pages of 1000."""

    serializer_class = AreaFeatureSerializer
    pagination_class = AreaPagination

    def get_queryset(self):
        query = AreaListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        base = areas_as_of(query.validated_data.get("as_of"))
        areas = self.scope.areas(base.select_related("parent"))
        if "within" in query.validated_data:
            code = query.validated_data["within"]
            if not self.scope.sees(code) or not base.filter(code=code).exists():
                raise NotFound(_("No area has the code %(code)s.") % {"code": code}, field="within")
            areas = areas.within(code)
        if "level" in query.validated_data:
            areas = areas.filter(level=query.validated_data["level"])
        return areas.order_by("code")


def chain_summary(area):
    return [{"code": a.code, "name": a.name, "level": a.level} for a in area.chain()]


class AreaDetailSerializer(AreaFeatureSerializer):
    """One area as a Feature whose properties add its chain up to the district and how many areas
    directly below it the caller sees (context["scope"])."""

    def get_properties(self, area, fields):
        properties = super().get_properties(area, fields)
        properties["chain"] = chain_summary(area)
        as_of = self.context.get("as_of")
        if as_of is None and area.valid_to is not None:  # a retired area: its children on its last day
            as_of = area.valid_to - timedelta(days=1)
        properties["children"] = self.context["scope"].areas(areas_as_of(as_of).filter(parent=area)).count()
        return properties


class AreaDetailView(ScopedMixin, APIView):
    """GET /api/v1/areas/<code>/[?as_of=YYYY-MM-DD] — one area as a GeoJSON Feature, with its chain up
    to the district. A code names one boundary for all time: a grid a re-division retired is still
    found by its code (valid_to says when it ended), unless `as_of` asks for a day it was not valid."""

    @docs.area_detail
    def get(self, request, code):
        query = AsOfQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of")
        base = Area.every.as_of(as_of).select_related("parent__parent__parent")
        area = self.scope.areas(base).filter(code=code).first()
        if area is None or level_for_code(code) is None:
            raise NotFound(_("No area has the code %(code)s.") % {"code": code}, field="code")
        return Response(AreaDetailSerializer(area, context={"scope": self.scope, "as_of": as_of}).data)


class LookupQuery(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")
    as_of = as_of_field()


class AreaLookupView(ScopedMixin, APIView):
    """GET /api/v1/areas/lookup/?lon=..&lat=..[&crs=gcj02] — the grid covering a point and its chain."""

    @docs.area_lookup(LookupQuery)
    def get(self, request):
        query = LookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        lon, lat = coords.to_wgs84(data["lon"], data["lat"], data["crs"])
        point = Point(lon, lat, srid=4326)
        areas = self.scope.areas(areas_as_of(data.get("as_of")))
        chain = areas.chain_at(point)
        if not chain:
            nearest = areas.nearest_grid(point)
            extra = {}
            if nearest is not None:
                extra = {
                    "nearest_grid": nearest.code,
                    "nearest_grid_name": nearest.name,
                    "distance_m": round(nearest.distance_m, 1),
                }
            raise NotFound(
                _("The point (%(lon).6f, %(lat).6f) is not inside any grid.") % {"lon": lon, "lat": lat},
                field="location",
                **extra,
            )
        body = {
            "wgs84": [round(lon, 7), round(lat, 7)],
            "input": {"lon": data["lon"], "lat": data["lat"], "crs": data["crs"]},
            "as_of": data.get("as_of"),
            "chain": chain_summary(chain[0]),
        }
        for area in chain:
            body[area.level] = {"code": area.code, "name": area.name}
        return Response(body)
