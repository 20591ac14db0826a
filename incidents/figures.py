"""The figures leaders judge the grid system by, per area and period, in one SQL statement:
the share of closed cases closed within the grid, within the community and at the street (小事不出网格、
大事不出社区), the on-time rate, the closure rate, time to close, and satisfaction.

Cases count for the area they were reported in (their grid's chain) and for the period they were
received in; rejected cases do not count.

Across a re-division of the grids (grids.generations), grid rows are per generation: a case counts
for the grid it is in, which is the grid it was reported in unless it was still under way when its
grid was retired and moved to the new grid covering its place (with an event). Rows of retired
grids carry their `valid_to`. With `as_of`, every case is counted in the grids of that day instead:
a case whose grid was not valid then is placed in the grid of that day covering its place. Above the
grid nothing changes: a grid is re-divided within its community.

- Time to close: over the cases closed now, from receipt to their last close (a case reopened and
  closed again took until the second close; a reopened case still being handled is not closed).
- On time and late: a case is late when it missed a deadline: the deadline sweep escalated it (an
  `escalate` event by the system, see incidents.sweep: the sweep acts only on
  a passed deadline), it is still open past its due time, or it was resolved after its due time. It
  is on time when it is resolved or closed, its last resolve came by the deadline in force, and it
  never missed one. The on-time rate is on time / (on time + late); an open case still within its
  deadline counts in neither.
- Satisfaction: the residents' word on each case, never a handler's nor a colleague's: the latest
  of the resident's own rating (by their report's private link, residents/; satisfied at 4 or 5)
  and of a call-back that reached them (satisfied or not). `rated` says how many cases it rests
  on; `mean_rating` is over the residents' ratings. A rating given by staff (a case's reporter
  on the phone) stays on the case but is no resident's word. A poor word does not reopen a case
  by itself: a dispatcher decides.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from grids.models import CODE_LENGTH, Level
from grids.models.areas import placed_sql

from .events import by_resident, by_system
from .models import Callback, Incident, Status, is_open_sql, is_resolved_sql


def _of_cases(table, ids):
    """A condition that reads only the rows of `table` (an alias with incident_id) of the cases in the
    SQL array `ids`; no condition when `ids` is None."""
    return f" AND {table}.incident_id = ANY({ids})" if ids else ""


def residents_word_sql(base="base", ids=None):
    """The satisfaction rule in SQL, once for every figure that reports it: CTEs (`rated`, `called`,
    `words`) over the cases of the CTE `base` (columns id and rating) giving each case's `words.satisfied`
    (the latest of the resident's own rating, 4 or 5 satisfied, and a call-back that reached them;
    NULL when neither) and `words.resident_rating`. `ids`: see case_facts_sql."""
    return f"""rated AS (
    -- the latest rating, and whether a resident gave it; the latest call-back that reached the resident
    SELECT DISTINCT ON (e.incident_id) e.incident_id, e.at, {by_resident("e")} AS by_resident
    FROM incidents_incidentevent e JOIN {base} b ON b.id = e.incident_id
    WHERE e.action = 'rate'{_of_cases("e", ids)}
    ORDER BY e.incident_id, e.at DESC, e.id DESC
), called AS (
    SELECT DISTINCT ON (c.incident_id) c.incident_id, c.at, c.satisfied
    FROM {Callback._meta.db_table} c JOIN {base} b ON b.id = c.incident_id
    WHERE c.reached{_of_cases("c", ids)}
    ORDER BY c.incident_id, c.at DESC, c.id DESC
), words AS (
    SELECT b.id,
           CASE WHEN r.by_resident AND (k.at IS NULL OR r.at >= k.at) THEN b.rating >= 4
                ELSE k.satisfied END AS satisfied,
           CASE WHEN r.by_resident THEN b.rating END AS resident_rating
    FROM {base} b
    LEFT JOIN rated r ON r.incident_id = b.id
    LEFT JOIN called k ON k.incident_id = b.id
)"""


RESIDENTS_WORD = residents_word_sql()


# the events whose writing can change a case's facts (case_facts_sql reads no others)
FACT_ACTIONS = ("close", "resolve", "escalate", "rate")


def case_facts_sql(base="base", ids=None):
    """The per-case facts, once for the set-based figures and for the aggregates that keep them
    (aggregates/): CTEs (`moments`, the residents' word, `facts`) over the cases of the CTE `base`
    (columns id, status, level, received_at, due_at, rating, and any others, kept) giving each case
    the facts that do not depend on the present: `closed_at`, `seconds_to_close` (closed cases),
    `on_time`, `late_for_good` (the sweep escalated it or it was resolved after its due time),
    `open_due` (the due time of a case still open: it is late once the present passes it, see
    late_sql), `word` and `resident_rating`.

    `ids`, an SQL array of the cases `base` holds when they are few and known (the kept figures'
    trigger, one report's case): the events and call-backs are then looked up by it, so that only
    those cases' months are read, instead of joined to `base` (which the planner cannot size)."""
    return f"""moments AS (
    -- one pass over the events of these cases: when each was last closed and last resolved, and
    -- whether the deadline sweep ever escalated it (only the sweep escalates without an actor)
    SELECT e.incident_id, max(e.at) FILTER (WHERE e.action = 'close') AS closed_at,
           max(e.at) FILTER (WHERE e.action = 'resolve') AS resolved_at,
           bool_or(e.action = 'escalate') AS swept
    FROM incidents_incidentevent e JOIN {base} b ON b.id = e.incident_id
    WHERE (e.action IN ('close', 'resolve') OR (e.action = 'escalate' AND {by_system("e")})){_of_cases("e", ids)}
    GROUP BY e.incident_id
), {residents_word_sql(base, ids)}, facts AS (
    SELECT b.*, m.closed_at, w.satisfied AS word, w.resident_rating,
           CASE WHEN b.status = '{Status.CLOSED}' THEN extract(epoch FROM m.closed_at - b.received_at) END
               AS seconds_to_close,
           coalesce({is_resolved_sql("b.status")} AND m.resolved_at <= b.due_at AND NOT coalesce(m.swept, false),
                    false) AS on_time,
           coalesce(m.swept, false)
               OR ({is_resolved_sql("b.status")} AND coalesce(m.resolved_at > b.due_at, false)) AS late_for_good,
           CASE WHEN {is_open_sql("b.status")} THEN b.due_at END AS open_due
    FROM {base} b LEFT JOIN moments m ON m.incident_id = b.id LEFT JOIN words w ON w.id = b.id
)"""


def late_sql(now="%(now)s"):
    """SQL over a row of `facts`: the case is late (it missed a deadline for good, or it is still
    open past its due time at `now`)."""
    return f"(late_for_good OR open_due < {now})"


# The mean time to close is the mean of the seconds, in hours (avg(seconds) / 3600): a sum and a
# count that the aggregates add up to the same number.
_FIGURES_SQL = f"""
WITH base AS (
    SELECT i.id, left({{grid_code}}, %(length)s) AS area_code, i.status, i.level, i.received_at, i.due_at, i.rating
    FROM (SELECT * FROM incidents_incident WHERE {{received_in}}) i JOIN grids_area g ON g.id = i.grid_id{{placed}}
    WHERE g.code LIKE %(prefix)s AND i.status <> '{Status.REJECTED}'
), {case_facts_sql()}
SELECT a.code, a.name, a.valid_from, a.valid_to, {{period}} AS month,
       count(*) AS received,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE status = 'closed' AND c.level = 'grid') AS closed_in_grid,
       count(*) FILTER (WHERE status = 'closed' AND c.level = 'community') AS closed_in_community,
       count(*) FILTER (WHERE status = 'closed' AND c.level = 'street') AS closed_at_street,
       count(*) FILTER (WHERE {is_resolved_sql("status")}) AS resolved,
       count(*) FILTER (WHERE on_time) AS resolved_on_time,
       count(*) FILTER (WHERE {late_sql()}) AS late,
       avg(seconds_to_close) / 3600 AS mean_hours_to_close,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_close / 3600) AS median_hours_to_close,
       count(word) AS rated,
       avg(resident_rating) AS mean_rating,
       count(*) FILTER (WHERE word) AS satisfied
FROM facts c JOIN grids_area a ON a.code = c.area_code
GROUP BY a.code, a.name, a.valid_from, a.valid_to, month
ORDER BY a.code, month
"""

# as_of: a case whose grid was not valid on the day is placed in the grid of that day covering it
_PLACED_AS_OF = placed_sql("g", "i.location", "%(as_of)s")


def received_in_sql(since, until):
    """The cases received in [since, until), as a condition on incidents_incident (unaliased) written
    out with its values: Incident.objects.received_in's, whose months' id range lets PostgreSQL read
    only those months' partitions (written out, so that the planner prunes them when it plans; a
    generic plan could only prune as it runs). The figures and the density map read their cases
    through it."""
    query = Incident.objects.received_in(since, until).query
    where, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    return connection.ops.compose_sql(where, params).replace("%", "%%")  # for statements run with parameters


def _share(part, whole):
    return round(part / whole, 4) if whole else None


# Readers of kept figures tried before the set-based statement: the aggregates (aggregates/, an app
# above this one) register theirs when the app is ready. A reader answers the statement's rows, or
# None when what it keeps does not cover the question.
_READERS = []


def read_through(reader):
    """Register `reader(prefix, level, since, until, by_month, now, medians)` (see _READERS)."""
    _READERS.append(reader)


def figures(prefix, level, since, until, by_month=False, now=None, as_of=None, medians=True):
    """One row per area of `level` under `prefix` with cases received in [since, until); with
    `by_month`, one row per area and month received ("2026-11", local time), for trends. Open cases
    are late when their due time is before `now` (the present by default). Grid rows are per
    generation, or with `as_of` the grids of that day (see the module's description). Read from the
    kept aggregates when they cover the question, else counted from the cases (set_based_figures,
    the reference); `medians=False`: the median time to close may be left out (None) by a reader."""
    now = now or timezone.now()
    for reader in _READERS:
        if level == Level.GRID and as_of is not None:
            break
        rows = reader(prefix, level, since, until, by_month=by_month, now=now, medians=medians)
        if rows is not None:
            return _finished(rows, by_month)
    return set_based_figures(prefix, level, since, until, by_month=by_month, now=now, as_of=as_of)


def set_based_figures(prefix, level, since, until, by_month=False, now=None, as_of=None):
    """figures() counted from the cases and their events, in one statement: the definition."""
    params = {"prefix": prefix + "%", "length": CODE_LENGTH[Level(level)], "since": since, "until": until}
    params["now"] = now or timezone.now()
    params["tz"] = settings.TIME_ZONE
    params["as_of"] = as_of
    period = "to_char(c.received_at AT TIME ZONE %(tz)s, 'YYYY-MM')" if by_month else "NULL"
    placing = as_of is not None and level == Level.GRID
    statement = _FIGURES_SQL.format(
        period=period,
        grid_code="coalesce(placed.code, g.code)" if placing else "g.code",
        placed=_PLACED_AS_OF if placing else "",
        received_in=received_in_sql(since, until),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return _finished(rows, by_month)


def _finished(rows, by_month):
    """The statement's rows with their shares, and numbers rounded for reading."""
    for row in rows:
        if not by_month:
            del row["month"]
        closed = row["closed"]
        row["shares"] = {
            "closed_in_grid": _share(row["closed_in_grid"], closed),
            "closed_in_community": _share(row["closed_in_community"], closed),
            "closed_at_street": _share(row["closed_at_street"], closed),
            "closure_rate": _share(closed, row["received"]),
            "on_time_rate": _share(row["resolved_on_time"], row["resolved_on_time"] + row["late"]),
            "satisfied": _share(row["satisfied"], row["rated"]),
        }
        for key in ("mean_hours_to_close", "median_hours_to_close", "mean_rating"):
            row[key] = None if row[key] is None else round(float(row[key]), 2)
    return rows
