"""The maintained coverage table: every current grid's row of grids.coverage.grid_rules, kept in
grids_gridcoverage so that the coverage API, map, summary and the dashboard read it instead of
judging 50,000 grids on each request.

How the table stays equal to the rules, whoever writes:
- Triggers on every table the rules read (areas, people, assignments, household links, visits,
  meetings, Party organisations, stations; migration 0009_table_coverage) find, per statement, the
  grids it touched and call `govgrid_refresh_coverage(grid ids)` in the same transaction. The
  admin, the API, the importers, the re-division movers and the demo loader all write through
  them, and so does any SQL. A TRUNCATE marks the table not ready and calls off a rebuild under way.
- The triggers call `govgrid_refresh_coverage` (migrations 0010_coverage_pending and
  0012_coverage_judged_aside), which judges the grids with `govgrid_judge_coverage` while the table
  is ready, and notes them in grids_coveragepending while a rebuild is under way or the table is not
  ready. The judging function is made here, by `judge_function_sql`, from grid_rules' own SQL run
  on a set of grid ids (the rules are written once, in grids.coverage): the thresholds are written
  in as the live statement would send them, and the day's dates are read from the table's state
  row (grids_coveragestate, row 1), so that every row of the table is judged on the same day. It
  locks the grids' rows in id order before judging them, so two transactions touching one grid
  refresh it one after the other, each seeing the other's change.
- The rules depend on the day (roles and links in force, the last full weeks' visits, last
  month's analysis), so the worker rebuilds the whole table when the day turns, and when the
  settings or the rules' SQL changed (the fingerprint of the function): `keep_current`, run on
  each of its sweeps. `manage.py rebuild_coverage` does it by hand. A rebuild judges every grid
  aside, into grids_gridcoveragenext with a judging function of its own on the day of state row 2,
  and keeps no writer waiting meanwhile: a short first step notes the rebuild (row 2), a long one
  judges every grid while the writers go on judging theirs into the readers' table and note them,
  and a short last step judges the noted grids again aside, copies the rows that changed into
  the readers' table and makes row 2 and its function the table's.
- Readers use the table while state row 1 says it is made by their rules' function and judged
  today, or yesterday until today's is made (`serves`: writers keep it up to date by yesterday's
  dates meanwhile); otherwise, and for a past day (`as_of`, generations), they compute live.
"""

import hashlib
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from .coverage import ALL_RULES, Thresholds, grid_rules
from .models import valid_on_sql
from .models.areas import under_codes_sql

# The columns of grid_rules' rows that the table keeps (id is its grid_id).
STORED = (
    "code",
    "name",
    "households",
    "has_group_leader",
    "group_leader_id",
    "team_members",
    "grid_workers",
    "linked_households",
    "station_id",
    "station_name",
    "station_metres",
    "visit_weeks_due",
    "visit_weeks_done",
    "analysis_meetings",
    *(f"ok_{rule}" for rule in ALL_RULES),
    "passed",
    "counted",
    "status",
)

# grid_rules' parameters that depend on the day: the function reads them from the state row.
_DAY_PARAMETERS = {
    "today": "v_today",
    "visit_from": "v_visit_from",
    "analysis_from": "v_analysis_from",
    "analysis_until": "v_analysis_until",
}

_CURRENT_GRID = f"a.level = 'grid' AND {valid_on_sql('a')}"

_JUDGE_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}(p_grid_ids bigint[]) RETURNS void
LANGUAGE plpgsql
-- planned for the ids of each call: one grid from a trigger, every grid from a rebuild
SET plan_cache_mode = force_custom_plan
AS $judge$
DECLARE
    v_today date;
    v_visit_from date;
    v_analysis_from date;
    v_analysis_until date;
BEGIN
    IF p_grid_ids IS NULL OR cardinality(p_grid_ids) = 0 THEN
        RETURN;
    END IF;
    SELECT judged_on, visit_from, analysis_from, analysis_until
      INTO v_today, v_visit_from, v_analysis_from, v_analysis_until
      FROM grids_coveragestate WHERE id = {state};
    INSERT INTO {table} (grid_id)
        SELECT a.id FROM grids_area a WHERE a.id = ANY(p_grid_ids) AND {current_grid}
        ON CONFLICT DO NOTHING;
    -- one transaction at a time per grid, in id order; the statements below see what the
    -- transaction that held a grid before committed
    PERFORM 1 FROM {table} WHERE grid_id = ANY(p_grid_ids) ORDER BY grid_id FOR UPDATE;
    DELETE FROM {table} c WHERE c.grid_id = ANY(p_grid_ids)
        AND NOT EXISTS (SELECT 1 FROM grids_area a WHERE a.id = c.grid_id AND {current_grid});
    UPDATE {table} c SET ({columns}, refreshed_at) = ({values}, now())
        FROM ({rules}) r
        WHERE c.grid_id = r.id;
END
$judge$
"""

# The table the readers read, judged by its function on the day of state row 1; and the one a
# rebuild judges every grid into, by its own function on the day of state row 2, copied into the
# first at its end.
TABLE = ("grids_gridcoverage", "govgrid_judge_coverage", 1)
NEXT = ("grids_gridcoveragenext", "govgrid_judge_coverage_next", 2)


@lru_cache(maxsize=8)
def judge_function_sql(thresholds, into=TABLE):
    """(the CREATE FUNCTION statement of the judging function of table `into` (TABLE or NEXT) for
    these thresholds, its fingerprint): grid_rules' SQL on the ids the function is given, its
    thresholds written in as the live statement sends them, its day's dates from the table's state
    row. The fingerprint is the function's for TABLE, the one a rebuild's results will be read as."""
    sql, params = grid_rules(grid_ids="p_grid_ids", thresholds=thresholds)
    for name, variable in _DAY_PARAMETERS.items():
        sql = sql.replace(f"%({name})s", variable)
        params.pop(name)
    with connection.cursor() as cursor:
        rules = cursor.mogrify(sql, params).decode()

    def made(table, function, state):
        return (
            _JUDGE_FUNCTION.replace("{current_grid}", _CURRENT_GRID)
            .replace("{columns}", ", ".join(STORED))
            .replace("{values}", ", ".join(f"r.{column}" for column in STORED))
            .replace("{rules}", rules)
            .replace("{table}", table)
            .replace("{function}", function)
            .replace("{state}", str(state))
        )

    return made(*into), hashlib.sha256(made(*TABLE).encode()).hexdigest()


def is_current(thresholds, today=None):
    """Whether the table holds the results of these thresholds, judged on `today` (the local date)."""
    return _state_is(thresholds, today, days_late=0)


def serves(thresholds, today=None):
    """Whether the readers read the table for these thresholds on `today`: while it holds their
    results judged today, or yesterday until the worker has judged today's (the writers keep
    yesterday's table up to date meanwhile, by yesterday's dates)."""
    return _state_is(thresholds, today, days_late=1)


def _state_is(thresholds, today, days_late):
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT ready, judged_on, fingerprint FROM grids_coveragestate WHERE id = 1")
        state = cursor.fetchone()
    if state is None:
        return False
    ready, judged_on, fingerprint = state
    return ready and 0 <= (today - judged_on).days <= days_late and fingerprint == judge_function_sql(thresholds)[1]


def table_results(prefix, thresholds, source=None):
    """grid_rules' rows of the current grids under `prefix` (or of the rows of `source`, a relation
    of current grids_area rows), read from the table, as (sql, params); None when the table does not
    serve these thresholds today (`serves`)."""
    return table_sql(prefix, source) if serves(thresholds) else None


def table_sql(prefix, source=None):
    """The table's rows of the current grids under `prefix` (or of the rows of `source`) as (sql,
    params), whatever its state: the table alone (it holds only current grids, with their code and
    name)."""
    columns = ", ".join(f"c.{column}" for column in STORED)
    if source is not None:
        under, params = f"c.grid_id IN (SELECT id FROM {source})", {}
    else:
        under, params = under_codes_sql("c.code", [prefix], "prefix")
    return f"SELECT c.grid_id AS id, {columns} FROM grids_gridcoverage c WHERE {under}", params


def rebuild(today=None, thresholds=None):
    """Judge every current grid again on `today` (the local date) with the judging function of these
    thresholds (the settings'); returns the number of grids. It judges them into a table of its own
    and copies what changed into the readers' table at its end: writers wait for none of it but
    two short steps (see begin_rebuild and finish_rebuild), and the readers read the table as it
    was, kept up to date by the writers, until then."""
    thresholds = thresholds or Thresholds.from_settings()
    today = today or timezone.localdate()
    begin_rebuild(today, thresholds)
    judge_all()
    return finish_rebuild(today, thresholds)


_STATE_ROW = """
    INSERT INTO grids_coveragestate
        (id, ready, judged_on, visit_from, analysis_from, analysis_until, fingerprint, built_at)
    VALUES (%(id)s, false, %(today)s, %(visit_from)s, %(analysis_from)s, %(analysis_until)s, %(fingerprint)s, now())
"""


def begin_rebuild(today, thresholds):
    """The first step, short: the rebuild under way noted (state row 2: its day, that day's dates
    and the fingerprint of its rules) and its judging function made. It waits for the transactions
    judging grids now (they hold state row 1 FOR SHARE); the ones after it go on judging their
    grids into the readers' table and also note them in grids_coveragepending, for the last step."""
    function, fingerprint = judge_function_sql(thresholds, into=NEXT)
    params = thresholds.params(today) | {"fingerprint": fingerprint}
    with transaction.atomic(), connection.cursor() as cursor:
        # the first rebuild of all: a table not ready, whose writers note their grids
        cursor.execute(_STATE_ROW + " ON CONFLICT (id) DO NOTHING", params | {"id": TABLE[2]})
        cursor.execute("SELECT 1 FROM grids_coveragestate WHERE id = %s FOR UPDATE", [TABLE[2]])
        cursor.execute(
            _STATE_ROW
            + """ ON CONFLICT (id) DO UPDATE SET judged_on = EXCLUDED.judged_on,
                   visit_from = EXCLUDED.visit_from, analysis_from = EXCLUDED.analysis_from,
                   analysis_until = EXCLUDED.analysis_until, fingerprint = EXCLUDED.fingerprint,
                   built_at = EXCLUDED.built_at""",
            params | {"id": NEXT[2]},
        )
        cursor.execute(function)


def judge_all():
    """The long step (about 5 s for 50,000 grids): every current grid judged into the rebuild's
    own table on state row 2's day. It locks only that table, which no writer touches."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {NEXT[0]}")
        cursor.execute(f"SELECT {NEXT[1]}(ARRAY(SELECT a.id FROM grids_area a WHERE {_CURRENT_GRID}))")


_COPY = """
    DELETE FROM {table} c WHERE NOT EXISTS (SELECT 1 FROM {next} n WHERE n.grid_id = c.grid_id);
    INSERT INTO {table} AS c (grid_id, {columns}, refreshed_at)
        SELECT grid_id, {columns}, refreshed_at FROM {next}
        ON CONFLICT (grid_id) DO UPDATE SET ({columns}, refreshed_at) = ({excluded}, EXCLUDED.refreshed_at)
        WHERE ({current}) IS DISTINCT FROM ({excluded});
"""


def finish_rebuild(today, thresholds):
    """The last step, short: once the writers under way have committed (state row 1 FOR UPDATE
    waits for them, and the ones after wait for this step), the grids they noted are judged again
    into the rebuild's table, the rows that differ copied into the readers' table, and state row 1
    and the readers' judging function become the rebuild's; unless another rebuild has begun since
    for another day or other rules (it finishes the table). Returns the number of rows."""
    function, fingerprint = judge_function_sql(thresholds)
    columns = ", ".join(STORED)
    copy = (
        _COPY.replace("{table}", TABLE[0])
        .replace("{next}", NEXT[0])
        .replace("{columns}", columns)
        .replace("{current}", ", ".join(f"c.{column}" for column in STORED))
        .replace("{excluded}", ", ".join(f"EXCLUDED.{column}" for column in STORED))
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM grids_coveragestate WHERE id = %s FOR UPDATE", [TABLE[2]])
        cursor.execute(
            "SELECT 1 FROM grids_coveragestate WHERE id = %s AND judged_on = %s AND fingerprint = %s FOR UPDATE",
            [NEXT[2], today, fingerprint],
        )
        if cursor.fetchone():
            cursor.execute(f"SELECT {NEXT[1]}(ARRAY(SELECT grid_id FROM grids_coveragepending ORDER BY grid_id))")
            cursor.execute(copy)
            cursor.execute("DELETE FROM grids_coveragepending")
            cursor.execute(
                """UPDATE grids_coveragestate t SET ready = true, judged_on = n.judged_on,
                       visit_from = n.visit_from, analysis_from = n.analysis_from,
                       analysis_until = n.analysis_until, fingerprint = n.fingerprint, built_at = now()
                   FROM grids_coveragestate n WHERE t.id = %s AND n.id = %s""",
                [TABLE[2], NEXT[2]],
            )
            cursor.execute("DELETE FROM grids_coveragestate WHERE id = %s", [NEXT[2]])
            cursor.execute(function)
        cursor.execute(f"SELECT count(*) FROM {TABLE[0]}")
        return cursor.fetchone()[0]


def suspend():
    """Leave the table alone until the next rebuild, for a bulk load (the demo loader, a bench's
    city): inside one long transaction the tables grow without statistics, and a refresh per batch
    would cost far more than judging every grid once afterwards. The readers compute live until
    the worker (or `rebuild`) judges the table again."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grids_coveragestate SET ready = false")


def keep_current(today=None):
    """The worker's job on each sweep: rebuild the table when it is not today's (the day turned:
    roles, links, the visits' weeks and last month's analysis move with it) or not of the settings'
    thresholds and rules. Returns the grids rebuilt (0 when it was current)."""
    thresholds = Thresholds.from_settings()
    if is_current(thresholds, today):
        return 0
    return rebuild(today, thresholds)
