"""Coverage API: per grid as GeoJSON with the rule results as properties, and the roll-up per area;
both read the maintained coverage table for today (grids.coverage.grid_results) and judge live as_of a
past day."""

import json

from django.db import connection
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.reads import read_only

from . import schema as docs
from .api import AreaCodeField, ScopedMixin, as_of_field
from .coverage import Thresholds, grid_results, summary
from .models import CODE_LENGTH, Level, level_for_code

_GEOJSON_SQL = """
WITH results AS ({rules})
SELECT coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', r.code,
    'geometry', ST_AsGeoJSON(a.geom, 6)::json,
    'properties', json_build_object(
        'code', r.code, 'name', r.name, 'status', r.status, 'households', r.households,
        'has_group_leader', r.has_group_leader, 'team_members', r.team_members,
        'grid_workers', r.grid_workers, 'linked_households', r.linked_households,
        'nearest_station', r.station_name, 'station_metres', round(r.station_metres::numeric, 1),
        'visit_weeks_due', r.visit_weeks_due, 'visit_weeks_done', r.visit_weeks_done,
        'analysis_meetings', r.analysis_meetings,
        'rules', json_build_object({rule_results})
    )) ORDER BY r.code), '[]'::json)::text
FROM results r JOIN grids_area a ON a.id = r.id
"""


def rule_results_sql(rules):
    """The arguments of json_build_object for each rule's result (of grid_rules' row r)."""
    return ", ".join(f"'{rule}', r.ok_{rule}" for rule in rules)


class CoverageQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    # the grids of that day and the rules judged on it (who served, linked, visited then)
    as_of = as_of_field()


@read_only
class _CoverageView(ScopedMixin, APIView):
    def prefixes(self, request):
        query = CoverageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.query = query.validated_data
        prefixes = self.scope.read_prefixes(self.query.get("within"))
        if not prefixes:
            raise NotFound(_("You have no areas."))
        return prefixes


class GridCoverageView(_CoverageView):
    """GET /api/v1/coverage/grids/?within=<code> — every grid with its rule results, as GeoJSON."""

    @docs.grid_coverage(CoverageQuery)
    def get(self, request):
        thresholds = Thresholds.from_settings()
        features = []
        with connection.cursor() as cursor:
            for prefix in self.prefixes(request):
                rules, params = grid_results(prefix, thresholds=thresholds, today=self.query.get("as_of"))
                statement = _GEOJSON_SQL.replace("{rules}", rules)
                cursor.execute(statement.replace("{rule_results}", rule_results_sql(thresholds.reported)), params)
                features.extend(json.loads(cursor.fetchone()[0]))
        body = {
            "type": "FeatureCollection",
            "as_of": self.query["as_of"].isoformat() if self.query.get("as_of") else None,
            "rules": {
                "counted": list(thresholds.rules),
                "min_team": thresholds.min_team,
                "household_percent": thresholds.household_percent,
                "station_metres": thresholds.station_metres,
                "visit_weeks": thresholds.visit_weeks,
                "visit_percent": thresholds.visit_percent,
            },
            "features": features,
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")


class CoverageSummaryView(_CoverageView):
    """GET /api/v1/coverage/summary/?within=<code>&level=<level> — per area of that level: grids per
    status and per failed rule, and the shares. Level defaults to the level of `within`."""

    @docs.coverage_summary(CoverageQuery)
    def get(self, request):
        rows = []
        for prefix in self.prefixes(request):
            own = level_for_code(prefix) if prefix else Level.DISTRICT
            level = self.query.get("level") or own
            if CODE_LENGTH[Level(level)] < CODE_LENGTH[Level(own)]:
                raise GovgridError(
                    _("The level %(level)s is above the area %(code)s; choose its own level or one below.")
                    % {"level": level, "code": prefix},
                    field="level",
                )
            rows.extend(summary(prefix, level, today=self.query.get("as_of")))
        thresholds = Thresholds.from_settings()
        # all_rules: every rule reported, counted or not (the duty rules only where they count)
        return Response({"rules": list(thresholds.rules), "all_rules": list(thresholds.reported), "areas": rows})
