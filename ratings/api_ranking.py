"""The dashboard's ranking by the star rating's computed criteria (ratings.ranking) over the API:
GET /api/v1/ratings/ranking/ (JSON), /api/v1/ratings/ranking.csv and /api/v1/ratings/ranking.geojson
(each area's boundary with its rank, computed points and every criterion's value and points), with
`within`, `level` (street or community) and a `month` (2026-11) or a `quarter` (2026Q4)."""

import csv
import io
import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from exports.api import AnyAccept
from exports.layers import DECIMALS
from exports.plan import CONTENT_TYPES
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.privacy import personal_data
from govgrid.lib.spreadsheet import safe_cell
from grids.api import AreaCodeField, ScopedMixin
from grids.models import CODE_LENGTH, Level
from maps.queries import area_features

from . import schema_ranking as docs
from .indicators import INDICATORS
from .ranking import LEVELS, period_of, ranking, shown

FIXED_COLUMNS = ("district", "rank", "code", "name", "computed_points", "max_points", "closure_rate")
TEXT_COLUMNS = {"district", "code", "name"}


class RankingQuery(serializers.Serializer):
    within = AreaCodeField(required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=[(level.value, level.label) for level in LEVELS])
    month = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("The month ranked, like 2026-11.")
    )
    quarter = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The quarter ranked, like 2026Q4 (instead of a month)."),
    )


def read_query(request, scope):
    """(prefixes, level, period) of a valid query over areas the caller sees: 400 naming the field
    for bad input, 404 for an area outside the scope or a caller with none."""
    query = RankingQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    period = period_of(data.get("month"), data.get("quarter"))
    prefixes = scope.read_prefixes(data.get("within"), field="within")
    if not prefixes:
        raise NotFound(_("You have no areas."))
    level = Level(data["level"])
    if any(len(p) > CODE_LENGTH[level] for p in prefixes):
        raise GovgridError(_("Choose the level of the area or one below it."), field="level")
    return prefixes, level, period


def _number(value):
    return None if value is None else float(value)


def answer(tables, level, period):
    """The JSON answer: the period and, per district, its scheme, criteria and ranked areas."""
    since, until = period.days()
    return {
        "level": level.value,
        "period": {"kind": period.kind, "label": period.label, "since": since.isoformat(), "until": until.isoformat()},
        "districts": [_district(table) for table in tables],
    }


def _district(table):
    return {
        "code": table.district.code,
        "name": table.district.name,
        "scheme": _scheme(table.scheme),
        "criteria": [_criterion(c) for c in table.criteria],
        "max_points": None if table.scheme is None else _number(table.most),
        "areas": [_area(row, table.criteria) for row in table.rows],
    }


def _scheme(scheme):
    if scheme is None:
        return None
    return {"name": scheme.name, "version": scheme.version, "valid_from": scheme.valid_from.isoformat()}


def _criterion(criterion):
    return {
        "code": criterion.code,
        "name": criterion.name,
        "section": criterion.section.name,
        "indicator": criterion.indicator,
        "unit": INDICATORS[criterion.indicator].unit,
        "max_points": _number(criterion.max_points),
    }


def _area(row, criteria):
    scores = {}
    for criterion in criteria:
        value, points = row["criteria"][criterion.code]
        shown_value = shown(criterion, value)
        scores[criterion.code] = {"value": _number(value), "shown": _number(shown_value), "points": _number(points)}
    return {
        "rank": row["rank"],
        "code": row["code"],
        "name": row["name"],
        "computed_points": _number(row["computed_points"]),
        "closure_rate": _number(row["closure_rate"]),
        "criteria": scores,
    }


def flat_rows(tables):
    """(columns, rows): one row per area of every district with a scheme, the criteria's values and
    points as columns `<code>_value` and `<code>_points` (empty where a district's scheme lacks one)."""
    codes = list(dict.fromkeys(c.code for table in tables for c in table.criteria))
    columns = [*FIXED_COLUMNS, *(f"{code}_{part}" for code in codes for part in ("value", "points"))]
    rows = []
    for table in tables:
        for row in table.rows:
            flat = dict.fromkeys(columns)
            flat |= {
                "district": table.district.code,
                "rank": row["rank"],
                "code": row["code"],
                "name": row["name"],
                "computed_points": _number(row["computed_points"]),
                "max_points": _number(table.most),
                "closure_rate": _number(row["closure_rate"]),
            }
            for code, (value, points) in row["criteria"].items():
                flat[f"{code}_value"], flat[f"{code}_points"] = _number(value), _number(points)
            rows.append(flat)
    return columns, rows


def _filename(prefixes, level, period, suffix):
    where = "-".join(prefixes) if len(prefixes) < 4 else "scope"
    return f"ranking-{where}-{level.value}-{period.label}.{suffix}"


@personal_data  # figures for those who see the area
class RankingView(ScopedMixin, APIView):
    """GET /api/v1/ratings/ranking/?within=&level=&month= (or quarter=)"""

    @docs.ranking(RankingQuery)
    def get(self, request):
        prefixes, level, period = read_query(request, self.scope)
        return Response(answer(ranking(prefixes, level, period), level, period))


@personal_data  # an export: never kept by a shared browser or a proxy
class RankingCsvView(ScopedMixin, APIView):
    """GET /api/v1/ratings/ranking.csv with the filters of the ranking: one line per area."""

    content_negotiation_class = AnyAccept

    @docs.ranking_csv(RankingQuery)
    def get(self, request):
        prefixes, level, period = read_query(request, self.scope)
        columns, rows = flat_rows(ranking(prefixes, level, period))
        out = io.StringIO()
        out.write("\ufeff")  # spreadsheets then read the names as UTF-8
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                ["" if row[c] is None else safe_cell(row[c], numeric=c not in TEXT_COLUMNS) for c in columns]
            )
        response = HttpResponse(out.getvalue().encode(), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{_filename(prefixes, level, period, "csv")}"'
        return response


@personal_data  # an export: never kept by a shared browser or a proxy
class RankingGeoJsonView(ScopedMixin, APIView):
    """GET /api/v1/ratings/ranking.geojson with the filters of the ranking: each area's boundary
    with the columns of the CSV as its properties."""

    content_negotiation_class = AnyAccept

    @docs.ranking_geojson(RankingQuery)
    def get(self, request):
        prefixes, level, period = read_query(request, self.scope)
        _columns, rows = flat_rows(ranking(prefixes, level, period))
        boundaries = {
            f["properties"]["code"]: f["geometry"]
            for f in area_features([r["code"] for r in rows], DECIMALS)["features"]
        }
        features = [
            {"type": "Feature", "id": row["code"], "geometry": boundaries.get(row["code"]), "properties": row}
            for row in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "name": "ranking", "features": features}, ensure_ascii=False)
        response = HttpResponse(body.encode(), content_type=CONTENT_TYPES["geojson"])
        response["Content-Disposition"] = f'attachment; filename="{_filename(prefixes, level, period, "geojson")}"'
        return response
