"""The network-fusion API: layers (list, import by upload), a layer's overlap report (JSON, CSV),
accepting the mapping (administrators), placing a cell and turning figures per cell into figures
per grid (whoever sees the district)."""

import re
import tempfile
from pathlib import Path

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.api_input import checked

from . import answers, mapping
from . import schema as docs
from .importing import import_layer
from .models import NetworkKind, NetworkLayer
from .overlap import overlap_of
from .permissions import check_administrator, layer_seen, layers_seen
from .reading import read_cells


class LayerView(APIView):
    permission_classes = [IsAuthenticated]

    def layer(self, pk):
        return layer_seen(self.request.user, pk, NetworkLayer.objects.select_related("imported_by"))


class ReportQuery(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    tolerance_m2 = serializers.FloatField(required=False, min_value=0)


class ImportRequest(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("GeoJSON, GeoPackage, or a Shapefile zipped with its parts."))
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=NetworkKind.choices)
    district = serializers.RegexField(r"^[0-9]{6}$")
    srs = serializers.CharField(required=False, help_text=gettext_lazy("EPSG:n, gcj02 or bd09; default: the file's."))
    code_field = serializers.CharField(required=False, default="code")
    name_field = serializers.CharField(required=False)
    layer = serializers.CharField(required=False, help_text=gettext_lazy("Default: the file's first layer."))
    commit = serializers.BooleanField(required=False, default=False)


class LayerListView(APIView):
    """GET, POST /api/v1/networks/layers/"""

    permission_classes = [IsAuthenticated]

    @docs.layer_list
    def get(self, request):
        layers = layers_seen(request.user, NetworkLayer.objects.select_related("district", "imported_by"))
        return Response([answers.layer_json(layer) for layer in layers])

    @docs.layer_import(ImportRequest)
    def post(self, request):
        check_administrator(request.user)  # before the upload is read at all
        given = checked(ImportRequest, request.data)
        result = import_uploaded(request.user, given)
        body = {
            "committed": result.committed,
            "layer": answers.layer_json(result.layer) | ({} if result.committed else {"id": None}),
            "overlap": answers.overlap_json(result.layer, result.overlap, {})
            | ({} if result.committed else {"layer": None}),
        }
        return Response(body, status=201 if result.committed else 200)


def import_uploaded(user, given):
    """The upload written to a private temporary directory under its own (cleaned) name, which GDAL
    needs to know the format; a .zip is read inside (a Shapefile comes as .shp, .shx, .dbf, .prj)."""
    upload = given["file"]
    name = re.sub(r"[^\w.-]", "_", Path(upload.name or "upload").name) or "upload"
    with tempfile.TemporaryDirectory(prefix="govgrid-network-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        readable = f"/vsizip/{path}" if name.lower().endswith(".zip") else path
        source = read_cells(
            readable, code_field=given["code_field"], name_field=given.get("name_field"), srs=given.get("srs"),
            layer=given.get("layer"), source_name=Path(upload.name or name).name,
        )  # fmt: skip
    return import_layer(source, given["district"], given["name"], given["kind"], user=user, commit=given["commit"])


class LayerDetailView(LayerView):
    """GET /api/v1/networks/layers/<id>/"""

    @docs.layer_detail
    def get(self, request, pk):
        return Response(answers.layer_json(self.layer(pk)))


class OverlapView(LayerView):
    """GET /api/v1/networks/layers/<id>/overlap/"""

    @docs.overlap("json")
    def get(self, request, pk):
        layer = self.layer(pk)
        return Response(answers.overlap_json(layer, overlap_of(layer, **checked(ReportQuery, request.query_params))))


class OverlapCsvView(LayerView):
    """GET /api/v1/networks/layers/<id>/overlap.csv"""

    @docs.overlap("csv")
    def get(self, request, pk):
        layer = self.layer(pk)
        report = overlap_of(layer, **checked(ReportQuery, request.query_params))
        response = HttpResponse(answers.overlap_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="network-{layer.pk}-overlap.csv"'
        return response


class AcceptDefaultsView(LayerView):
    """POST /api/v1/networks/layers/<id>/accept-defaults/"""

    @docs.accept_defaults
    def post(self, request, pk):
        accepted, unplaced = mapping.accept_defaults(self.layer(pk), request.user)
        return Response({"accepted": accepted, "unplaced": unplaced})


class MappingRequest(serializers.Serializer):
    grid = serializers.RegexField(r"^[0-9]{15}$", required=False)
    split = serializers.BooleanField(required=False, default=False)


class CellMappingView(LayerView):
    """POST /api/v1/networks/layers/<id>/cells/<code>/mapping/"""

    @docs.set_mapping(MappingRequest)
    def post(self, request, pk, code):
        given = checked(MappingRequest, request.data)
        made = mapping.set_mapping(self.layer(pk), code, request.user, grid=given.get("grid"), split=given["split"])
        return Response(answers.mapping_json(made))


class PlaceQuery(serializers.Serializer):
    cell = serializers.CharField(max_length=64)


class PlaceView(LayerView):
    """GET /api/v1/networks/layers/<id>/place/?cell=<code>"""

    @docs.place
    def get(self, request, pk):
        placed = mapping.place(self.layer(pk), checked(PlaceQuery, request.query_params)["cell"])
        return Response({
            "cell": placed.cell,
            "grid": placed.grid.code if placed.grid else None,
            "grid_name": placed.grid.name if placed.grid else None,
            "shares": [{"grid": grid, "share": share} for grid, share in placed.shares],
            "outside_share": placed.outside_share,
        })  # fmt: skip


class FiguresQuery(serializers.Serializer):
    by = serializers.ChoiceField(choices=["mapping", "shares"], required=False, default="mapping")


class FiguresView(LayerView):
    """POST /api/v1/networks/layers/<id>/figures/?by=mapping|shares with {cell code: number}"""

    @docs.figures
    def post(self, request, pk):
        by = checked(FiguresQuery, request.query_params)["by"]
        totals, outside = mapping.figures_by_grid(self.layer(pk), request.data, by=by)
        return Response({"by": by, "grids": {g: float(v) for g, v in totals.items()}, "outside": float(outside)})
