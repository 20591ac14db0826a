"""The density map's counts kept: how many cases each grid received through each day of a year, so
that a district's map counts its 50,000 grids' cases of a period from 50,000 rows (two numbers of
each) instead of reading its 490,000 cases of 90 days again on every request.

maps_gridcasedays holds one row per grid (the grid a case was reported in, `grid_id`) and year with
cases: `through[d]`, the cases received in the grid from the year's first day through its d-th day
(1 to 366; local days, in settings.TIME_ZONE when the table was made or last rebuilt).
The cases of days a to b of a year are then through[b] - through[a - 1] (through[0] is NULL: 0).

Statement triggers on cases (insert, update of a grid or a time received, delete) add the
difference their rows make, in the writer's transaction: a report adds one to the running totals
of its grid's year from its day on. A row is shared by the cases of one grid and year only; two
transactions writing cases of one grid take turns on it until they commit (a district's reports
already take turns on the day's number). A TRUNCATE of cases empties it; an archived month's cases
are taken out of it as their partition leaves and put back as it returns (incidents.archive,
partition_moved).

The density map reads it for today's grids when it counts every category over whole local days
(maps.queries.density); a category, or a period that does not start and end at local midnight,
is counted from the cases. A test holds the two equal on random histories.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import connection

from govgrid.lib.statement_triggers import drop_statement_triggers_sql, statement_triggers_sql

TABLE = "maps_gridcasedays"
DAYS = 366  # the days of the longest year; a shorter year's last total is repeated once


def _zone_literal():
    return "'" + settings.TIME_ZONE.replace("'", "''") + "'"


# The difference that the cases of {changes} (grid_id, received_at, sign: +1 a case written, -1 one
# replaced or deleted) make, added to the running totals of their grids' years, in key order (two
# writers lock the rows they share in the same order).
_ADD = f"""
    WITH d AS (
        SELECT c.grid_id, extract(year FROM c.day)::int AS year, extract(doy FROM c.day)::int AS doy,
               sum(c.sign)::int AS n
        FROM (SELECT s.grid_id, (s.received_at AT TIME ZONE {{zone}})::date AS day, s.sign FROM ({{changes}}) s) c
        GROUP BY 1, 2, 3 HAVING sum(c.sign) <> 0
    ), years AS (
        SELECT DISTINCT grid_id, year FROM d
    ), running AS (
        SELECT y.grid_id, y.year, day.i,
               sum(coalesce(d.n, 0)) OVER (PARTITION BY y.grid_id, y.year ORDER BY day.i)::int AS total
        FROM years y CROSS JOIN generate_series(1, {DAYS}) day (i)
        LEFT JOIN d ON d.grid_id = y.grid_id AND d.year = y.year AND d.doy = day.i
    )
    INSERT INTO {TABLE} AS t (grid_id, year, through)
    SELECT grid_id, year, array_agg(total ORDER BY i) FROM running GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (grid_id, year) DO UPDATE SET through = (
        SELECT array_agg(a + b ORDER BY i) FROM unnest(t.through, EXCLUDED.through) WITH ORDINALITY u (a, b, i))"""

_CHANGES_OF = {
    "INSERT": "SELECT grid_id, received_at, 1 AS sign FROM new_rows",
    "DELETE": "SELECT grid_id, received_at, -1 AS sign FROM old_rows",
    # each case as it is now added and as it was taken away: a case whose grid and day did not
    # change (a workflow's update changes neither) adds nothing, its two rows cancelled out in the
    # sums of _ADD, which keeps only the days that changed. Not joined by id: PostgreSQL knows
    # nothing of the transition tables' rows and joined them in a nested loop (the worker's sweep
    # of 159,000 overdue cases at 50,000 grids ran for more than 25 minutes; 4,000 cases 1.3 s)
    "UPDATE": "SELECT grid_id, received_at, 1 AS sign FROM new_rows"
    " UNION ALL SELECT grid_id, received_at, -1 FROM old_rows",
}

EVENTS = ("INSERT", "UPDATE", "DELETE")

# The rows of the grids of {grids} (a SELECT of grid ids) left with no case: a year's last total is 0.
_EMPTIED = f"""
    DELETE FROM {TABLE} WHERE through[{DAYS}] = 0 AND grid_id IN ({{grids}})"""


def _add(changes):
    return _ADD.replace("{zone}", _zone_literal()).replace("{changes}", changes)


def functions_sql():
    """The triggers' functions, with the days in settings.TIME_ZONE."""
    emptied = _EMPTIED.replace("{grids}", "SELECT grid_id FROM old_rows")
    return f"""
CREATE OR REPLACE FUNCTION maps_case_days_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN{_add(_CHANGES_OF["INSERT"])};
    ELSE
        IF TG_OP = 'DELETE' THEN{_add(_CHANGES_OF["DELETE"])};
        ELSE{_add(_CHANGES_OF["UPDATE"])};
        END IF;
        GET DIAGNOSTICS changed = ROW_COUNT;  -- the grid-years whose totals changed
        IF changed > 0 THEN{emptied};
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION maps_case_days_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {TABLE};
    RETURN NULL;
END $$;
"""


def install_sql():
    """The table, the triggers that keep it and its first fill (of a database with cases already)."""
    table = f"""
CREATE TABLE {TABLE} (
    grid_id bigint NOT NULL,
    year integer NOT NULL,
    through integer[] NOT NULL,
    PRIMARY KEY (grid_id, year)
);"""
    triggers = statement_triggers_sql(
        "case_days", "incidents_incident", "maps_case_days_changed", EVENTS, "maps_case_days_truncated"
    )
    return f"{table}\n{functions_sql()}\n{triggers}\n{_rebuild_sql()}"


def uninstall_sql():
    return (
        drop_statement_triggers_sql("case_days", "incidents_incident", EVENTS)
        + f"\nDROP FUNCTION maps_case_days_changed(); DROP FUNCTION maps_case_days_truncated(); DROP TABLE {TABLE};"
    )


def _rebuild_sql():
    return f"TRUNCATE {TABLE};" + _add("SELECT grid_id, received_at, 1 AS sign FROM incidents_incident") + ";"


def rebuild():
    """Count every grid's days again from the cases, in the days of settings.TIME_ZONE (after a load
    that went around the triggers, a change of time zone, or to check them): how many rows."""
    with connection.cursor() as cursor:
        cursor.execute(functions_sql())
        cursor.execute(_rebuild_sql())
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def partition_moved(table, sign):
    """Take the cases of the partition `table` out of the totals (`sign` -1: its month is archived,
    it leaves the cases with no row deleted) or put them back (+1: the month is restored)."""
    with connection.cursor() as cursor:
        cursor.execute(_add(f"SELECT grid_id, received_at, {int(sign)} AS sign FROM {table}"))
        cursor.execute(_EMPTIED.replace("{grids}", f"SELECT grid_id FROM {table}"))


def spans(since, until):
    """The days [since, until) (dates) as (year, the day before the first, the last day) per year
    they cover, the days counted from 1 January: what to read of each year's totals."""
    spans = []
    first = since
    while first < until:
        year_end = date(first.year, 12, 31)
        last = min(until - timedelta(days=1), year_end)
        spans.append((first.year, first.timetuple().tm_yday - 1, last.timetuple().tm_yday))
        first = last + timedelta(days=1)
    return spans


def counts_sql(grids, every):
    """SQL: (grid_id, cases) over the spans of %(years)s, %(befores)s and %(lasts)s (spans(), as
    three arrays), a row per grid with cases and year of the spans, for the reader to add up: of
    every grid when the SQL condition `every` holds (a view of most of the database's grids, which
    joins them to its own: 50,000 rows read in order), else of the grids of `grids` (a CTE or table
    with `id`: each looked up by its key). Not grouped or joined here: PostgreSQL would sort or hash
    the rows with their totals (150 MB at 50,000 grids) instead of the two numbers read from them."""
    rows = f"""SELECT k.grid_id, k.through[w.last] - coalesce(k.through[w.before], 0) AS cases
    FROM {TABLE} k
    JOIN unnest(%(years)s::int[], %(befores)s::int[], %(lasts)s::int[]) w (year, before, last) ON w.year = k.year"""
    return f"""{rows}
    WHERE {every}
    UNION ALL
    {rows}
    WHERE NOT {every} AND k.grid_id IN (SELECT id FROM {grids})"""


def counts_params(since, until):
    years, befores, lasts = zip(*spans(since, until), strict=True) if since < until else ((), (), ())
    return {"years": list(years), "befores": list(befores), "lasts": list(lasts)}
