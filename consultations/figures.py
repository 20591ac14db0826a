"""Consultations in figures, per community or street (or the whole district) and period, in one
statement: items raised (and of them by residents), decided, solved, dropped, still under way, the
residents' evaluations and the share satisfied (a rating of 4 or 5), as in "127 issues raised, 118
solved, 98% satisfied".

Items count for the area of their community and for the period they were raised in: an item raised
in the period and decided or solved after it counts as decided or solved (a cohort, so the shares
never exceed one). `decided` counts items whose decision was recorded, even if dropped after.
The shares: solved / raised, satisfied / evaluations (None with none).

The API (`consultation_figures`), the CSV export (`consultation_figures_csv`, written by PostgreSQL
with every text cell spreadsheet-safe) and the dashboard's card (`dashboard_summary`) read the same
statement, so they always agree.
"""

from django.db import connection

from govgrid.lib.spreadsheet import safe_cell_sql
from grids.models import CODE_LENGTH, Area, Level

from .models import Evaluation, Item

COUNTS = ("raised", "raised_by_residents", "decided", "solved", "dropped", "under_way", "evaluations", "satisfied")
SHARES = ("solved_share", "satisfied_share")

_SQL = f"""
WITH items AS (
    SELECT i.id, left(a.code, %(length)s) AS area_code, i.status, i.decided_at, i.proposed_by_resident
    FROM {Item._meta.db_table} i JOIN {Area._meta.db_table} a ON a.id = i.community_id
    WHERE a.code LIKE %(prefix)s AND i.proposed_at >= %(since)s AND i.proposed_at < %(until)s
), words AS (
    SELECT e.item_id, count(*) AS evaluations, count(*) FILTER (WHERE e.rating >= 4) AS satisfied
    FROM {Evaluation._meta.db_table} e JOIN items i ON i.id = e.item_id
    GROUP BY e.item_id
), counted AS (
    SELECT i.area_code,
           count(*) AS raised,
           count(*) FILTER (WHERE i.proposed_by_resident) AS raised_by_residents,
           count(*) FILTER (WHERE i.decided_at IS NOT NULL) AS decided,
           count(*) FILTER (WHERE i.status = 'solved') AS solved,
           count(*) FILTER (WHERE i.status = 'dropped') AS dropped,
           count(*) FILTER (WHERE i.status IN ('open', 'decided')) AS under_way,
           coalesce(sum(w.evaluations), 0)::int AS evaluations,
           coalesce(sum(w.satisfied), 0)::int AS satisfied
    FROM items i LEFT JOIN words w ON w.item_id = i.id
    GROUP BY i.area_code
)
SELECT {{code}} AS area_code, {{name}} AS area_name,
       c.raised, c.raised_by_residents, c.decided, c.solved, c.dropped, c.under_way, c.evaluations, c.satisfied,
       round(c.solved::numeric / nullif(c.raised, 0), 4)::float AS solved_share,
       round(c.satisfied::numeric / nullif(c.evaluations, 0), 4)::float AS satisfied_share
FROM counted c LEFT JOIN {Area._meta.db_table} a ON a.code = c.area_code
ORDER BY c.area_code
"""


def _statement(cell=lambda expression: expression):
    return _SQL.format(code=cell("c.area_code"), name=cell("coalesce(a.name, '')"))


def _params(prefix, length, since, until):
    return {"prefix": prefix + "%", "length": length, "since": since, "until": until}


def _rows(prefix, length, since, until):
    with connection.cursor() as cursor:
        cursor.execute(_statement(), _params(prefix, length, since, until))
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def consultation_figures(prefix, level, since, until):
    """One row per area of `level` under `prefix` with items raised in [since, until)."""
    return _rows(prefix, CODE_LENGTH[Level(level)], since, until)


def consultation_figures_csv(out, prefix, level, since, until):
    """The same rows as CSV with a header, written by PostgreSQL into the text file `out`."""
    with connection.cursor() as cursor:
        query = cursor.mogrify(_statement(safe_cell_sql), _params(prefix, CODE_LENGTH[Level(level)], since, until))
        cursor.copy_expert(f"COPY ({query.decode()}) TO STDOUT WITH (FORMAT csv, HEADER)", out)


def dashboard_summary(prefix, since, until):
    """The dashboard's card for the area `prefix` (its code) and period: the counts and the shares
    of COUNTS and SHARES for the whole area, zeros and None when nothing was raised."""
    rows = _rows(prefix, len(prefix), since, until)
    if rows:
        return {key: rows[0][key] for key in (*COUNTS, *SHARES)}
    return {key: 0 for key in COUNTS} | {key: None for key in SHARES}
