"""How the network-fusion API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors

TAG = ["network fusion"]


class LayerRow(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text=_("None after a dry run."))
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("party_building, comprehensive_governance, urban_management, "
                                             "public_services or other."))  # fmt: skip
    kind_label = serializers.CharField()
    district = serializers.CharField()
    district_name = serializers.CharField()
    source_name = serializers.CharField()
    srs = serializers.CharField(help_text=_("The coordinate system as read: EPSG:n, gcj02 or bd09."))
    imported_by = serializers.CharField(allow_null=True)
    imported_at = serializers.DateTimeField()
    cell_count = serializers.IntegerField()
    accepted = serializers.IntegerField(help_text=_("Cells with an accepted mapping."))


class MappingRow(serializers.Serializer):
    grid = serializers.CharField(allow_null=True)
    grid_name = serializers.CharField(allow_null=True)
    split = serializers.BooleanField(help_text=_("Split over the grids by the cell's area shares."))
    accepted_by = serializers.CharField(allow_null=True)
    accepted_at = serializers.DateTimeField()


class PieceRow(serializers.Serializer):
    grid = serializers.CharField()
    name = serializers.CharField()
    m2 = serializers.FloatField(help_text=_("The part of the cell in this grid, m²."))
    share = serializers.FloatField(help_text=_("That part as a share of the cell (0–1)."))
    grid_m2 = serializers.FloatField()
    share_of_grid = serializers.FloatField()


class CellRow(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    m2 = serializers.FloatField()
    outside_m2 = serializers.FloatField(help_text=_("The part no grid of the district holds, m²."))
    outside_share = serializers.FloatField()
    cuts_across = serializers.BooleanField(help_text=_("More than one grid holds more than tolerance_m2 of it."))
    default_grid = serializers.CharField(allow_null=True, help_text=_("The grid holding most of it."))
    mapping = MappingRow(allow_null=True)
    grids = PieceRow(many=True)


class CoveringRow(serializers.Serializer):
    cell = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    m2 = serializers.FloatField()
    share_of_grid = serializers.FloatField()
    share_of_cell = serializers.FloatField()


class GridRow(serializers.Serializer):
    grid = serializers.CharField()
    name = serializers.CharField()
    m2 = serializers.FloatField()
    cells = CoveringRow(many=True)


class Summary(serializers.Serializer):
    cells = serializers.IntegerField()
    cutting = serializers.IntegerField()
    outside = serializers.IntegerField()
    accepted = serializers.IntegerField()


class OverlapReport(serializers.Serializer):
    layer = serializers.IntegerField(allow_null=True)
    district = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    tolerance_m2 = serializers.FloatField()
    summary = Summary()
    cells = CellRow(many=True)
    grids = GridRow(many=True, help_text=_("The reverse: each grid with the cells covering it."))


class ImportAnswer(serializers.Serializer):
    committed = serializers.BooleanField()
    layer = LayerRow()
    overlap = OverlapReport()


class AcceptAnswer(serializers.Serializer):
    accepted = serializers.IntegerField()
    unplaced = serializers.ListField(child=serializers.CharField(), help_text=_("Cells no grid holds."))


class ShareRow(serializers.Serializer):
    grid = serializers.CharField()
    share = serializers.FloatField()


class PlacementAnswer(serializers.Serializer):
    cell = serializers.CharField()
    grid = serializers.CharField(allow_null=True, help_text=_("None for a cell split by shares."))
    grid_name = serializers.CharField(allow_null=True)
    shares = ShareRow(many=True)
    outside_share = serializers.FloatField()


class FiguresAnswer(serializers.Serializer):
    by = serializers.CharField()
    grids = serializers.DictField(child=serializers.FloatField(), help_text=_("{grid code: figure}"))
    outside = serializers.FloatField(help_text=_("What fell on parts of split cells that no grid holds."))


REPORT_PARAMETERS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description=_("Compare with the grids valid on this day.")),
    OpenApiParameter("tolerance_m2", float, description=_("m² a grid must hold for a cell to cut across it.")),
]

layer_list = extend_schema(
    operation_id="network_layer_list", tags=TAG, summary=_("The layers of other networks in the caller's districts"),
    responses={200: LayerRow(many=True), **errors(401)},
)  # fmt: skip


def layer_import(request):
    return extend_schema(
        operation_id="network_layer_import", tags=TAG, request={"multipart/form-data": request},
        summary=_("Import another network's cells (administrators): a dry run unless commit"),
        description=_("GeoJSON, GeoPackage or a zipped Shapefile, in any CRS or GCJ-02. Answers the overlap "
                      "report; 201 when committed."),
        responses={200: ImportAnswer, 201: ImportAnswer, **errors(400, 401, 403)},
    )  # fmt: skip


layer_detail = extend_schema(
    operation_id="network_layer_detail", tags=TAG, summary=_("A layer"),
    responses={200: LayerRow, **errors(401, 404)},
)  # fmt: skip


def overlap(fmt):
    formats = {"json": {200: OverlapReport}, "csv": {(200, "text/csv"): OpenApiTypes.STR}}
    return extend_schema(
        operation_id="network_overlap" + ("" if fmt == "json" else f"_{fmt}"), tags=TAG,
        parameters=REPORT_PARAMETERS,
        summary=_("How a layer's cells overlap the grids: each cell's grids with m² and shares, and the reverse"),
        description=_("Also as .csv: a row per piece of a cell in a grid, and one for its part outside every grid."),
        responses={**formats[fmt], **errors(400, 401, 404)},
    )  # fmt: skip


accept_defaults = extend_schema(
    operation_id="network_accept_defaults", tags=TAG, request=None,
    summary=_("Accept every unaccepted cell's default: the grid holding most of it (administrators)"),
    responses={200: AcceptAnswer, **errors(401, 403, 404)},
)  # fmt: skip


def set_mapping(request):
    return extend_schema(
        operation_id="network_cell_mapping", tags=TAG, request=request,
        summary=_("Place one cell in a grid, or split it by shares (administrators)"),
        responses={200: MappingRow, **errors(400, 401, 403, 404)},
    )  # fmt: skip


place = extend_schema(
    operation_id="network_place", tags=TAG,
    parameters=[OpenApiParameter("cell", str, required=True, description=_("The cell's code in its network."))],
    summary=_("The unified grid a cell is placed in by its accepted mapping"),
    description=_("A cell with no accepted mapping answers 422."),
    responses={200: PlacementAnswer, **errors(400, 401, 404, 422)},
)  # fmt: skip

figures = extend_schema(
    operation_id="network_figures", tags=TAG, request={"application/json": OpenApiTypes.OBJECT},
    parameters=[OpenApiParameter("by", str, enum=["mapping", "shares"],
                                 description=_("By the accepted mapping (default) or by every cell's area shares."))],
    summary=_("Turn a figure per cell ({cell code: number}) into figures per unified grid"),
    responses={200: FiguresAnswer, **errors(400, 401, 404, 422)},
)  # fmt: skip
