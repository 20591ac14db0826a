"""Residents' reports in figures, per area and period, in one statement: received, how they were
decided (accepted, merged, declined, still pending), 受理及时率 (decided by their deadline / decided
or past it: a report still pending past its deadline is late), and the residents' own ratings of the
cases made from their reports, by the one satisfaction rule (incidents.figures.residents_word_sql:
their rating or a call-back that reached them)."""

from django.db import connection
from django.utils import timezone

from grids.models import CODE_LENGTH, Level
from incidents.figures import residents_word_sql
from incidents.models import Incident

from .models import ResidentReport

_SQL = f"""
    WITH base AS (  -- the cases made from these reports, for the residents' word on them
        SELECT i.id, i.rating FROM {Incident._meta.db_table} i
        WHERE i.id IN (SELECT r.incident_id FROM {ResidentReport._meta.db_table} r JOIN grids_area g ON g.id = r.grid_id
                       WHERE r.status = 'accepted' AND g.code LIKE %(prefix)s
                         AND r.received_at >= %(since)s AND r.received_at < %(until)s)
    ), {residents_word_sql("base")}
    SELECT left(g.code, %(length)s) AS area_code,
           count(*) AS received,
           count(*) FILTER (WHERE r.status = 'accepted') AS accepted,
           count(*) FILTER (WHERE r.status = 'merged') AS merged,
           count(*) FILTER (WHERE r.status = 'declined') AS declined,
           count(*) FILTER (WHERE r.status = 'pending') AS pending,
           count(*) FILTER (WHERE r.status <> 'pending' AND r.decided_at <= r.due_at) AS decided_in_time,
           count(*) FILTER (WHERE (r.status <> 'pending' AND r.decided_at > r.due_at)
                               OR (r.status = 'pending' AND r.due_at < %(now)s)) AS decided_late,
           count(w.satisfied) FILTER (WHERE r.status = 'accepted') AS rated,
           count(*) FILTER (WHERE r.status = 'accepted' AND w.satisfied) AS satisfied
    FROM {ResidentReport._meta.db_table} r
    JOIN grids_area g ON g.id = r.grid_id
    LEFT JOIN words w ON w.id = r.incident_id
    WHERE g.code LIKE %(prefix)s AND r.received_at >= %(since)s AND r.received_at < %(until)s
    GROUP BY 1 ORDER BY 1
"""


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def resident_figures(prefix, level, since, until, now=None):
    """One row per area of `level` under `prefix` with residents' reports received in [since, until)."""
    params = {"prefix": prefix + "%", "length": CODE_LENGTH[Level(level)], "since": since, "until": until}
    params["now"] = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["shares"] = {
            "accepted_in_time": _share(row["decided_in_time"], row["decided_in_time"] + row["decided_late"]),
            "satisfied": _share(row["satisfied"], row["rated"]),
        }
    return rows
