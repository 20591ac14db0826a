"""The departments' loop in figures (派遣 → 签收 → 处置 → 核查 → 结案, with 退单, 延期, 督办 and 回访):
the standard indicators per department, or per area of the cases, over the dispatches made in a
period, in one SQL statement per grouping.

For the lead dispatches made in [since, until) (a co-handler's part counts only where said):

- dispatched: lead dispatches; co_dispatched: co-handlers' parts.
- 退单率 contest rate: dispatches contested / dispatches (lead and co-handlers').
- 签收及时率 signed in time: dispatches signed for by their sign-for time / dispatches signed for or
  past that time (lead and co-handlers').
- 结案率 closure rate: lead dispatches not contested whose case is closed / those due to close (closed,
  or their deadline passed by now).
- 按期结案率 closed on time: closed by the dispatch's deadline (an approved extension moves it) / closed.
- 返工率 rework rate: the department's cases sent back for rework / verified or sent back (each
  verification on site counts).
- 延期率 extension rate: lead dispatches whose department asked for an extension / lead dispatches.
- 督办 supervisions: supervision notices while the department held the case.
- 回访 satisfaction: call-backs that found the resident satisfied / call-backs that reached them.

A case counts for the department of its dispatch, for the area (street, community...) of the grid
it was reported in, and for the person who signed for the dispatch (per person: the dispatches a
handler signed for; one not signed for yet counts for nobody); a parked case is neither closed nor
due to close.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from govgrid.lib.spreadsheet import safe_cell_sql
from grids.models import CODE_LENGTH, Level

from .models import Status

GROUPINGS = ("department", Level.DISTRICT, Level.STREET, Level.COMMUNITY, "person")

_SQL = f"""
WITH d AS (
    SELECT d.id, d.incident_id, d.department_id, d.role, d.sign_due_at, d.signed_at, d.outcome, d.due_at,
           d.signed_by_id, i.status, g.code AS grid_code, {{group}} AS key
    FROM incidents_dispatch d
    JOIN incidents_incident i ON i.id = d.incident_id
    JOIN grids_area g ON g.id = i.grid_id
    WHERE d.dispatched_at >= %(since)s AND d.dispatched_at < %(until)s AND g.code LIKE %(prefix)s
), events AS (
    -- what happened to these cases for the department of each dispatch
    SELECT d.id AS dispatch_id,
           max(e.at) FILTER (WHERE e.action = 'close') AS closed_at,
           count(*) FILTER (WHERE e.action = 'rework') AS reworks,
           count(*) FILTER (WHERE e.action = 'verify') AS verifications,
           count(*) FILTER (WHERE e.action = 'supervise') AS supervisions,
           count(*) FILTER (WHERE e.action = 'extend') AS extensions
    FROM d JOIN incidents_incidentevent e ON e.incident_id = d.incident_id
        AND (e.department_id = d.department_id OR e.action = 'close')
    WHERE d.role = 'lead' AND d.outcome = ''
    GROUP BY d.id
), calls AS (
    SELECT d.id AS dispatch_id,
           count(*) FILTER (WHERE c.reached) AS reached,
           count(*) FILTER (WHERE c.satisfied) AS satisfied
    FROM d JOIN incidents_callback c ON c.incident_id = d.incident_id AND c.department_id = d.department_id
    WHERE d.role = 'lead' AND d.outcome = ''
    GROUP BY d.id
), counts AS (
    SELECT d.key,
       count(*) FILTER (WHERE d.role = 'lead') AS dispatched,
       count(*) FILTER (WHERE d.role = 'co') AS co_dispatched,
       count(*) FILTER (WHERE d.outcome = 'contested') AS contested,
       count(*) AS all_dispatches,
       count(*) FILTER (WHERE d.signed_at <= d.sign_due_at) AS signed_in_time,
       count(*) FILTER (WHERE d.signed_at IS NOT NULL OR d.sign_due_at < %(now)s) AS sign_due,
       count(*) FILTER (WHERE d.role = 'lead' AND d.outcome = '' AND d.status = '{Status.CLOSED}') AS closed,
       count(*) FILTER (WHERE d.role = 'lead' AND d.outcome = '' AND d.status <> '{Status.PARKED}'
                        AND (d.status = '{Status.CLOSED}' OR d.due_at < %(now)s)) AS due_to_close,
       count(*) FILTER (WHERE d.role = 'lead' AND d.outcome = '' AND d.status = '{Status.CLOSED}'
                        AND e.closed_at <= d.due_at) AS closed_on_time,
       coalesce(sum(e.reworks), 0)::int AS reworks,
       coalesce(sum(e.verifications), 0)::int AS verifications,
       coalesce(sum(e.reworks + e.verifications), 0)::int AS checked,
       count(*) FILTER (WHERE e.extensions > 0) AS extended,
       coalesce(sum(e.supervisions), 0)::int AS supervisions,
       coalesce(sum(c.reached), 0)::int AS callbacks_reached,
       coalesce(sum(c.satisfied), 0)::int AS callbacks_satisfied
    FROM d LEFT JOIN events e ON e.dispatch_id = d.id LEFT JOIN calls c ON c.dispatch_id = d.id
    GROUP BY d.key
)
SELECT {{code}} AS code, {{name}} AS name, counts.*, {{rates}}
FROM counts JOIN {{names}} ON names.key = counts.key
ORDER BY 1
"""

RATES = {  # name: (part, whole)
    "contest_rate": ("contested", "all_dispatches"),
    "sign_in_time_rate": ("signed_in_time", "sign_due"),
    "closure_rate": ("closed", "due_to_close"),
    "closed_on_time_rate": ("closed_on_time", "closed"),
    "rework_rate": ("reworks", "checked"),
    "extension_rate": ("extended", "dispatched"),
    "callback_satisfaction": ("callbacks_satisfied", "callbacks_reached"),
}


# The names of the rows' keys: departments by id, areas of a level by code.
NAMES = {
    "department": "(SELECT id::text AS key, code, name FROM grids_department) AS names",
    # a department's person: the one who signed for the dispatch (its handler from then on)
    "person": "(SELECT id::text AS key, username AS code, coalesce(nullif(first_name, ''), username) AS name"
    " FROM {users}) AS names",
    "area": "(SELECT code AS key, code, name FROM grids_area WHERE level = %(level)s) AS names",
}


def _statement(by, cell=lambda expression: expression):
    """The statement of a grouping; `cell` wraps its text columns (the CSV export neutralises them)."""
    if by == "department":
        group, names = "d.department_id::text", NAMES["department"]
    elif by == "person":
        group, names = "d.signed_by_id::text", NAMES["person"].format(users=get_user_model()._meta.db_table)
    else:
        group, names = f"left(g.code, {CODE_LENGTH[Level(by)]})", NAMES["area"]
    rates = ", ".join(
        f"round({part}::numeric / nullif({whole}, 0), 4)::float AS {name}" for name, (part, whole) in RATES.items()
    )
    return _SQL.format(group=group, names=names, code=cell("names.code"), name=cell("names.name"), rates=rates)


def _params(prefix, by, since, until, now):
    return {"prefix": prefix + "%", "since": since, "until": until, "now": now or timezone.now(), "level": by}


def loop_figures(prefix, by, since, until, now=None):
    """One row per department (`by` "department") or per area of level `by` under `prefix`, with the
    counts and, under "rates", the rates of RATES (None where the whole is 0)."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(by), _params(prefix, by, since, until, now))
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        del row["key"]
        row["rates"] = {name: row.pop(name) for name in RATES}
    return rows


def loop_figures_csv(out, prefix, by, since, until, now=None):
    """The same rows as CSV with a header, written by PostgreSQL into the file `out`, every text cell
    as a spreadsheet may safely open it (govgrid.lib.spreadsheet)."""
    with connection.cursor() as cursor:
        query = cursor.mogrify(_statement(by, safe_cell_sql), _params(prefix, by, since, until, now))
        cursor.copy_expert(f"COPY ({query.decode()}) TO STDOUT WITH (FORMAT csv, HEADER)", out)


def red_and_black(rows, least=3):
    """The month's red and black lists (红黑榜): the departments with the highest and the lowest
    on-time closure among those that closed at least `least` cases; ties by closure rate, then code."""
    ranked = [row for row in rows if row["closed"] >= least and row["rates"]["closed_on_time_rate"] is not None]

    def score(row):
        return (row["rates"]["closed_on_time_rate"], row["rates"]["closure_rate"] or 0)

    best = sorted(ranked, key=lambda row: (-score(row)[0], -score(row)[1], row["code"]))[:3]
    worst = sorted(ranked, key=lambda row: (score(row)[0], score(row)[1], row["code"]))[:3]
    return {"red": best, "black": [row for row in worst if row not in best]}
