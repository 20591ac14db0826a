"""Possible duplicates of a case: the open cases of the same category near it, reported in the last
DUPLICATE_DAYS days, among those the reporter may see. Intake runs the search inside its one
statement (DUPLICATES_SQL) and answers with it; the API and Open311 run it again for a case read later.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection

from govgrid.lib import coords
from grids.models import Area
from grids.scopes import Scope

from .models import is_open_sql

# Open cases of the same category near a point, among those the reporter may see. A bounding box
# of the radius in degrees at this latitude (with a margin) lets the spatial index serve the search.
# Distances are on the sphere (use_spheroid false): within 0.3 % of the spheroid's, a few times
# cheaper, and a street's worth of open cases may lie in the box.
POINT_SQL = Area.objects.sql.point
SEEN_BY_SCOPE = Scope().sql("area_code", name="seen", fixed=True)[0]  # one text for every reporter
DUPLICATES_SQL = f"""
    SELECT code, ST_Distance(location::geography, {POINT_SQL}::geography, false) AS metres, reported_at
    FROM incidents_incident
    WHERE category_id = %(category)s AND {is_open_sql("status")}
      AND received_at >= %(since)s AND id IS DISTINCT FROM %(id)s
      AND {SEEN_BY_SCOPE}
      AND location && ST_Expand({POINT_SQL}, %(box_degrees)s)
      AND ST_DWithin(location::geography, {POINT_SQL}::geography, %(radius)s, false)
    ORDER BY metres, code LIMIT 10
"""


def lon_lat_of(incident):
    """A case's WGS84 point as (lon, lat): the report's numbers while the case holds the location
    it was received with (incidents.intake), else read from its geometry."""
    received = getattr(incident, "received_point", None)
    if received is not None and incident.__dict__.get("location") is received[0]:
        return received[1]
    return incident.location.coords


def duplicates_params(incident, scope):
    lon, lat = lon_lat_of(incident)
    box_degrees = 1.2 * settings.DUPLICATE_RADIUS_M / coords.metres_per_degree_of_longitude(lat, least_cos=0.05)
    return {
        **scope.sql("area_code", name="seen", fixed=True)[1],
        "box_degrees": box_degrees,
        "lon": lon,
        "lat": lat,
        "category": incident.category_id,
        "since": incident.received_at - timedelta(days=settings.DUPLICATE_DAYS),
        "id": incident.id,
        "radius": settings.DUPLICATE_RADIUS_M,
    }


def duplicate_rows(rows):
    return [{"code": c, "distance_m": round(m, 1), "reported_at": at} for c, m, at in rows]


def possible_duplicates(incident, scope):
    """Open cases of the same category within DUPLICATE_RADIUS_M metres in the last DUPLICATE_DAYS
    days, among the cases the reporter may see."""
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES_SQL, duplicates_params(incident, scope))
        return duplicate_rows(cursor.fetchall())
