"""The figures leaders judge the grid system by, per area and period, in one SQL statement:
the share of closed cases closed within the grid, within the community and at the street (小事不出网格、
大事不出社区), the on-time rate, the closure rate, time to close, and satisfaction.

Cases count for the area they were reported in (their grid's chain) and for the period they were
received in. "On time" means resolved before the deadline in force at the time.
"""

from django.db import connection

from grids.models import CODE_LENGTH, Level

_FIGURES_SQL = """
WITH base AS (
    SELECT i.id, left(g.code, %(length)s) AS area_code, i.status, i.level, i.received_at, i.due_at, i.rating
    FROM incidents_incident i JOIN grids_area g ON g.id = i.grid_id
    WHERE g.code LIKE %(prefix)s AND i.received_at >= %(since)s AND i.received_at < %(until)s
      AND i.status <> 'rejected'
), moments AS (
    -- one pass over the events of these cases: when each was first closed and last resolved
    SELECT e.incident_id, min(e.at) FILTER (WHERE e.action = 'close') AS closed_at,
           max(e.at) FILTER (WHERE e.action = 'resolve') AS resolved_at
    FROM incidents_incidentevent e JOIN base b ON b.id = e.incident_id
    WHERE e.action IN ('close', 'resolve')
    GROUP BY e.incident_id
), cases AS (
    SELECT b.*, m.closed_at, m.resolved_at FROM base b LEFT JOIN moments m ON m.incident_id = b.id
)
SELECT a.code, a.name,
       count(*) AS received,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE status = 'closed' AND c.level = 'grid') AS closed_in_grid,
       count(*) FILTER (WHERE status = 'closed' AND c.level = 'community') AS closed_in_community,
       count(*) FILTER (WHERE status = 'closed' AND c.level = 'street') AS closed_at_street,
       count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= due_at) AS resolved_on_time,
       avg(extract(epoch FROM closed_at - received_at) / 3600) AS mean_hours_to_close,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - received_at) / 3600)
           AS median_hours_to_close,
       count(rating) AS rated,
       avg(rating) AS mean_rating,
       count(*) FILTER (WHERE rating >= 4) AS satisfied
FROM cases c JOIN grids_area a ON a.code = c.area_code
GROUP BY a.code, a.name
ORDER BY a.code
"""


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def figures(prefix, level, since, until):
    """One row per area of `level` under `prefix` with cases received in [since, until)."""
    params = {"prefix": prefix + "%", "length": CODE_LENGTH[Level(level)], "since": since, "until": until}
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES_SQL, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        closed = row["closed"]
        row["shares"] = {
            "closed_in_grid": _share(row["closed_in_grid"], closed),
            "closed_in_community": _share(row["closed_in_community"], closed),
            "closed_at_street": _share(row["closed_at_street"], closed),
            "closure_rate": _share(closed, row["received"]),
            "on_time_rate": _share(row["resolved_on_time"], row["resolved"]),
            "satisfied": _share(row["satisfied"], row["rated"]),
        }
        for key in ("mean_hours_to_close", "median_hours_to_close", "mean_rating"):
            row[key] = None if row[key] is None else round(float(row[key]), 2)
    return rows
