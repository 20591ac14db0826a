"""Keeping the figures as the cases change, in PostgreSQL.

Every writer of cases (intake, the workflow, the deadline sweep, the re-division's movers, residents'
ratings, call-backs, the demo and the bench loaders) writes rows of three tables; statement triggers
on them (on the partitioned parents of cases and events: they see the rows of every month) name the
cases written, and `aggregates_refresh(ids)` works out those cases' facts again with the figures'
own SQL (incidents.figures.case_facts_sql, the one definition) and appends the difference to the
sums as delta rows, in the same transaction. So the sums are never behind the cases, and a
transaction that rolls back takes its difference with it.

Delta rows, not updates: a row of sums per area and day is shared by every case of that day in
that area (the district's by all of them), and updating it in place would make every writer of the
day wait for the one before to commit. The triggers only insert; the worker folds the deltas into
the sums (`fold`, on each of its sweeps), and readers add the deltas not folded yet, in the same
statement (one snapshot), so the figures are exact at every moment.

What depends on the present is not summed: an open case is late once the present passes its due
time, so its due time is kept on its facts and the reader counts those live (aggregates.read).

The facts of a case are worked out under the case's row lock, so two transactions touching one case
(a dispatcher's action and a resident's rating) take turns and the second starts from the first's
facts.
"""

from django.conf import settings
from django.db import connection

from incidents.figures import FACT_ACTIONS, case_facts_sql
from incidents.models import Status, is_resolved_sql

# level of the sums → length of its codes
LEVELS = (("district", 6), ("street", 9), ("community", 12))

FACT_COLUMNS = (
    "incident_id",
    "grid_code",
    "day",
    "category_id",
    "status",
    "level",
    "seconds_to_close",
    "on_time",
    "late_for_good",
    "open_due",
    "word",
    "resident_rating",
)

# the sums' columns: name → the expression summed over facts with a sign (+1 added, -1 taken out)
SUMS = {
    "received": "sign",
    "closed": f"sign * (status = '{Status.CLOSED}')::int",
    "closed_in_grid": f"sign * (status = '{Status.CLOSED}' AND level = 'grid')::int",
    "closed_in_community": f"sign * (status = '{Status.CLOSED}' AND level = 'community')::int",
    "closed_at_street": f"sign * (status = '{Status.CLOSED}' AND level = 'street')::int",
    "resolved": f"sign * ({is_resolved_sql('status')})::int",
    "resolved_on_time": "sign * on_time::int",
    "late_for_good": "sign * late_for_good::int",
    "timed": "sign * (seconds_to_close IS NOT NULL)::int",
    "seconds": "sign * coalesce(seconds_to_close, 0)",
    "rated": "sign * (word IS NOT NULL)::int",
    "satisfied": "sign * coalesce(word, false)::int",
    "rating_n": "sign * (resident_rating IS NOT NULL)::int",
    "rating_sum": "sign * coalesce(resident_rating, 0)",
}


def _base(where, few=False):
    """The CTE `base`: the cases whose facts are worked out, chosen by the condition `where`; `day`
    in the kept time zone. `few`: a handful of cases known by their ids (the triggers'): each one's
    grid is looked up by its id, so that the cases are read by theirs; joined, the planner may walk
    every month's index of grids instead to order the join (10 ms a report)."""
    grid_code = "(SELECT code FROM grids_area WHERE id = i.grid_id)" if few else "g.code"
    grids = "" if few else " JOIN grids_area g ON g.id = i.grid_id"
    return f"""base AS (
    SELECT i.id, {grid_code} AS grid_code,
           (i.received_at AT TIME ZONE (SELECT time_zone FROM aggregates_state WHERE id = 1))::date AS day,
           i.category_id, i.status, i.level, i.received_at, i.due_at, i.rating
    FROM incidents_incident i{grids}
    WHERE {where} AND i.status <> '{Status.REJECTED}'
)"""


def _facts_select():
    return ", ".join("id AS incident_id" if c == "incident_id" else c for c in FACT_COLUMNS)


def _signed_sums(source):
    """SELECT of the signed facts of `source` (FACT_COLUMNS and `sign`: +1 added, -1 taken out) summed
    per level, area and day, for the district, street and community; groups that add nothing left out.
    No category: no reader asks for one (docs/aggregates.md), and it would multiply the rows."""
    sums = ",\n       ".join(f"sum({expression}) AS {name}" for name, expression in SUMS.items())
    changed = " OR ".join(f"sum({expression}) <> 0" for expression in SUMS.values())
    levels = ", ".join(f"('{level}', {length})" for level, length in LEVELS)
    return f"""SELECT lv.sum_level, left(src.grid_code, lv.code_length), src.day,
       {sums}
FROM {source} src CROSS JOIN (VALUES {levels}) AS lv (sum_level, code_length)
GROUP BY lv.sum_level, lv.code_length, left(src.grid_code, lv.code_length), src.day
HAVING {changed}"""


SUMS_TARGET = f"(level, area_code, day, {', '.join(SUMS)})"

# every table the figures are kept in, and a statement that empties them row by row (DELETE, which
# readers of the last figures do not wait for)
KEPT_TABLES = ("aggregates_casefact", "aggregates_areaday", "aggregates_areamonth", "aggregates_areadaydelta")
DELETE_KEPT_SQL = " ".join(f"DELETE FROM {table};" for table in KEPT_TABLES)

# the first day of the month of a day (aggregates_areamonth's `day`)
MONTH_OF_DAY = "date_trunc('month', day)::date"


def refresh_function_sql():
    fact_list = ", ".join(FACT_COLUMNS)
    kept_changed = ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS[1:])
    return f"""
CREATE OR REPLACE FUNCTION aggregates_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql
-- planned once per session: planning it over the months' partitions takes about 30 ms, running it
-- for one case under 1 ms. The generic plan prunes the partitions as it runs, by the ids given
-- (case_facts_sql's `ids`: the events and call-backs looked up by the cases' ids, not joined to
-- `base`, whose size the planner cannot know). Its estimate (every month's cases) once made
-- PostgreSQL compile it with JIT, seconds on each write of a case, so JIT is off here whatever the
-- writer's session says
SET plan_cache_mode = force_generic_plan
SET jit = off
AS $fn$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 OR NOT EXISTS (SELECT 1 FROM aggregates_state) THEN
        RETURN;
    END IF;
    -- one writer of a case's facts at a time; the next statement reads what the last one left
    PERFORM 1 FROM incidents_incident WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    WITH {_base("i.id = ANY(ids)", few=True)},
    {case_facts_sql(ids="ids")},
    fresh AS (SELECT {_facts_select()} FROM facts),
    kept AS (SELECT {fact_list} FROM aggregates_casefact WHERE incident_id = ANY(ids)),
    gone AS (
        DELETE FROM aggregates_casefact f
        WHERE f.incident_id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.incident_id = f.incident_id)
    ),
    put AS (
        INSERT INTO aggregates_casefact ({fact_list}) SELECT {fact_list} FROM fresh
        ON CONFLICT (incident_id) DO UPDATE SET {kept_changed}
    ),
    signed AS (SELECT 1 AS sign, * FROM fresh UNION ALL SELECT -1, * FROM kept)
    INSERT INTO aggregates_areadaydelta {SUMS_TARGET}
    {_signed_sums("signed")};
END
$fn$;
"""


TRIGGERS_SQL = f"""
CREATE OR REPLACE FUNCTION aggregates_cases_written() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM aggregates_refresh(ARRAY(SELECT id FROM new_cases));
    ELSIF TG_OP = 'UPDATE' THEN
        -- only the columns the facts are made of
        PERFORM aggregates_refresh(ARRAY(
            SELECT n.id FROM new_cases n JOIN old_cases o ON o.id = n.id
            WHERE (n.status, n.level, n.due_at, n.rating, n.grid_id, n.received_at, n.category_id)
                  IS DISTINCT FROM (o.status, o.level, o.due_at, o.rating, o.grid_id, o.received_at, o.category_id)));
    ELSE
        PERFORM aggregates_refresh(ARRAY(SELECT id FROM old_cases));
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION aggregates_events_written() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM aggregates_refresh(ARRAY(
        SELECT DISTINCT incident_id FROM new_events WHERE action IN ({", ".join(f"'{a}'" for a in FACT_ACTIONS)})));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION aggregates_callbacks_written() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM aggregates_refresh(ARRAY(SELECT DISTINCT incident_id FROM new_callbacks));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION aggregates_cases_emptied() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- DELETE, not TRUNCATE: the tables may be in the same TRUNCATE statement (a test's flush)
    {DELETE_KEPT_SQL}
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER aggregates_cases_inserted AFTER INSERT ON incidents_incident
    REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION aggregates_cases_written();
CREATE OR REPLACE TRIGGER aggregates_cases_updated AFTER UPDATE ON incidents_incident
    REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION aggregates_cases_written();
CREATE OR REPLACE TRIGGER aggregates_cases_deleted AFTER DELETE ON incidents_incident
    REFERENCING OLD TABLE AS old_cases FOR EACH STATEMENT EXECUTE FUNCTION aggregates_cases_written();
CREATE OR REPLACE TRIGGER aggregates_cases_truncated AFTER TRUNCATE ON incidents_incident
    FOR EACH STATEMENT EXECUTE FUNCTION aggregates_cases_emptied();
CREATE OR REPLACE TRIGGER aggregates_events_inserted AFTER INSERT ON incidents_incidentevent
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION aggregates_events_written();
CREATE OR REPLACE TRIGGER aggregates_callbacks_inserted AFTER INSERT ON incidents_callback
    REFERENCING NEW TABLE AS new_callbacks FOR EACH STATEMENT EXECUTE FUNCTION aggregates_callbacks_written();
CREATE OR REPLACE TRIGGER aggregates_callbacks_updated AFTER UPDATE ON incidents_callback
    REFERENCING NEW TABLE AS new_callbacks FOR EACH STATEMENT EXECUTE FUNCTION aggregates_callbacks_written();
"""


def install(cursor):
    """The refresh function and the triggers, made from the present definitions. CREATE OR REPLACE:
    no lock that keeps readers of the cases out (DROP TRIGGER would take the tables whole)."""
    cursor.execute(refresh_function_sql())
    cursor.execute(TRIGGERS_SQL)


def install_after_migrate(**kwargs):
    using = kwargs.get("using", "default")
    from django.db import connections

    with connections[using].cursor() as cursor:
        install(cursor)


# one folder of the deltas at a time, and no fold during a rebuild (a transaction-level advisory lock)
FOLDING_LOCK = "SELECT pg_advisory_xact_lock(hashtext('aggregates_fold'))"


def fold():
    """The worker's job: the delta rows the triggers appended, folded into the sums of their areas
    and days and of their areas and months, in one transaction. Deltas committed meanwhile are not
    seen and wait for the next fold; readers see the deltas or their sums, never both nor neither
    (one commit moves them). Returns how many delta rows were folded."""
    from django.db import transaction

    folded = ", ".join(f"sum({name})" for name in SUMS)
    added = ", ".join(f"{name} = t.{name} + EXCLUDED.{name}" for name in SUMS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FOLDING_LOCK)
        cursor.execute(
            f"""WITH moved AS (DELETE FROM aggregates_areadaydelta RETURNING *),
            put AS (
                INSERT INTO aggregates_areaday AS t {SUMS_TARGET}
                SELECT level, area_code, day, {folded} FROM moved GROUP BY level, area_code, day
                ON CONFLICT (level, area_code, day) DO UPDATE SET {added}
            ), put_months AS (
                INSERT INTO aggregates_areamonth AS t {SUMS_TARGET}
                SELECT level, area_code, {MONTH_OF_DAY}, {folded} FROM moved GROUP BY 1, 2, 3
                ON CONFLICT (level, area_code, day) DO UPDATE SET {added}
            )
            SELECT count(*) FROM moved"""
        )
        return cursor.fetchone()[0]


# the months' sums made from the days' (a rebuild, and the migration that brought them)
MONTHS_FROM_DAYS_SQL = f"""INSERT INTO aggregates_areamonth {SUMS_TARGET}
SELECT level, area_code, {MONTH_OF_DAY}, {", ".join(f"sum({name})" for name in SUMS)}
FROM aggregates_areaday GROUP BY 1, 2, 3"""


def rebuild(time_zone=None):
    """Every case's facts and the sums worked out again from the cases, in one transaction that
    writers of cases wait for. Returns the cases kept."""
    from django.db import transaction

    time_zone = time_zone or settings.TIME_ZONE
    fact_list = ", ".join(FACT_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        install(cursor)
    with transaction.atomic(), connection.cursor() as cursor:
        # writers of cases wait; readers of the cases and of the kept figures do not (DELETE, not
        # TRUNCATE: the figures read meanwhile are the last ones)
        cursor.execute("LOCK TABLE incidents_incident, incidents_incidentevent, incidents_callback IN SHARE MODE")
        cursor.execute(FOLDING_LOCK)
        cursor.execute(DELETE_KEPT_SQL)
        cursor.execute(
            """INSERT INTO aggregates_state (id, time_zone, built_at) VALUES (1, %s, now())
               ON CONFLICT (id) DO UPDATE SET time_zone = EXCLUDED.time_zone, built_at = EXCLUDED.built_at""",
            [time_zone],
        )
        cursor.execute(
            f"""WITH {_base("true")}, {case_facts_sql()}
            INSERT INTO aggregates_casefact ({fact_list}) SELECT {_facts_select()} FROM facts"""
        )
        kept = cursor.rowcount
        cursor.execute(
            f"INSERT INTO aggregates_areaday {SUMS_TARGET} "
            + _signed_sums("(SELECT 1 AS sign, * FROM aggregates_casefact)")
        )
        cursor.execute(MONTHS_FROM_DAYS_SQL)
    return kept


def drop():
    """No aggregates: the figures are counted from the cases again, and the triggers keep nothing."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM aggregates_state; TRUNCATE {', '.join(KEPT_TABLES)}")
