"""Read-side queries for the map pages: PostGIS writes the GeoJSON, Python only passes it on."""

import json

from django.db import connection
from django.db.models import Count, Sum

from grids.models import Level

_FEATURES_SQL = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(geom, %(digits)s)::json,
        'properties', json_build_object('code', code, 'name', name, 'level', level, 'kind', kind,
                                        'households', households, 'population', population)
    ) ORDER BY code), '[]'::json))::text
    FROM grids_area WHERE level = %(level)s AND code LIKE ANY(%(prefixes)s)
"""


def feature_collection(level, within, digits=6):
    """All areas of one level inside any of the codes `within`, as a GeoJSON dict; coordinates
    rounded to `digits` decimals (6 ≈ 0.1 m), which keeps the page light without moving any border."""
    with connection.cursor() as cursor:
        cursor.execute(_FEATURES_SQL, {"level": level, "prefixes": [code + "%" for code in within], "digits": digits})
        return json.loads(cursor.fetchone()[0])


def city_summary(areas):
    """Counts per level, grids per kind, households and population of an Area queryset."""
    by_level = dict(areas.values_list("level").annotate(n=Count("id")).order_by())
    by_kind = dict(areas.grids().values_list("kind").annotate(n=Count("id")).order_by())
    totals = areas.grids().aggregate(households=Sum("households"), population=Sum("population"))
    towns = areas.towns().count()
    streets = by_level.get(Level.STREET, 0) - towns
    return {"levels": by_level, "kinds": by_kind, "streets": streets, "towns": towns, **totals}
