"""The maintained coverage table: every current grid's row of grids.coverage.grid_rules, kept in
grids_gridcoverage so that the coverage API, map, summary and the dashboard read it instead of
judging 50,000 grids on each request.

How the table stays equal to the rules, whoever writes:
- Triggers on every table the rules read (areas, people, assignments, household links, visits,
  meetings, Party organisations, stations; migration 0009_table_coverage) find, per statement, the
  grids it touched and call `govgrid_refresh_coverage(grid ids)` in the same transaction. The
  admin, the API, the importers, the re-division movers and the demo loader all write through
  them, and so does any SQL. A TRUNCATE marks the table not ready.
- The triggers call `govgrid_refresh_coverage` (migration 0010_coverage_pending), which judges the
  grids with `govgrid_judge_coverage` while the table is ready, and otherwise notes them in
  grids_coveragepending. The judging function is made here, by `judge_function_sql`, from
  grid_rules' own SQL run on a set of grid ids (the rules are written once, in grids.coverage):
  the thresholds are written in as the live statement would send them, and the day's dates are
  read from the state row (grids_coveragestate), so that every row of the table is judged on the
  same day. It locks the grids' rows in id order before judging them, so two transactions
  touching one grid refresh it one after the other, each seeing the other's change.
- The rules depend on the day (roles and links in force, the last full weeks' visits, last
  month's analysis), so the worker rebuilds the whole table when the day turns, and when the
  settings or the rules' SQL changed (the fingerprint of the function): `keep_current`, run on
  each of its sweeps. `manage.py rebuild_coverage` does it by hand. A rebuild keeps no writer
  waiting while it judges every grid: it marks the table not ready in a short first step, judges
  every grid in a long one while writers only note the grids they touch, and in a short last step
  judges the noted grids again and marks the table ready.
- Readers use the table only when the state row says it is today's and made by today's function
  (`table_results`); otherwise, and for a past day (`as_of`, generations), they compute live.
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
CREATE OR REPLACE FUNCTION govgrid_judge_coverage(p_grid_ids bigint[]) RETURNS void
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
      FROM grids_coveragestate WHERE id = 1;
    INSERT INTO grids_gridcoverage (grid_id)
        SELECT a.id FROM grids_area a WHERE a.id = ANY(p_grid_ids) AND {current_grid}
        ON CONFLICT DO NOTHING;
    -- one transaction at a time per grid, in id order; the statements below see what the
    -- transaction that held a grid before committed
    PERFORM 1 FROM grids_gridcoverage WHERE grid_id = ANY(p_grid_ids) ORDER BY grid_id FOR UPDATE;
    DELETE FROM grids_gridcoverage c WHERE c.grid_id = ANY(p_grid_ids)
        AND NOT EXISTS (SELECT 1 FROM grids_area a WHERE a.id = c.grid_id AND {current_grid});
    UPDATE grids_gridcoverage c SET ({columns}, refreshed_at) = ({values}, now())
        FROM ({rules}) r
        WHERE c.grid_id = r.id;
END
$judge$
"""


@lru_cache(maxsize=8)
def judge_function_sql(thresholds):
    """(the CREATE FUNCTION statement of govgrid_judge_coverage for these thresholds, its
    fingerprint): grid_rules' SQL on the ids the function is given, its thresholds written in as
    the live statement sends them, its day's dates from the state row."""
    sql, params = grid_rules(grid_ids="p_grid_ids", thresholds=thresholds)
    for name, variable in _DAY_PARAMETERS.items():
        sql = sql.replace(f"%({name})s", variable)
        params.pop(name)
    with connection.cursor() as cursor:
        rules = cursor.mogrify(sql, params).decode()
    function = (
        _JUDGE_FUNCTION.replace("{current_grid}", _CURRENT_GRID)
        .replace("{columns}", ", ".join(STORED))
        .replace("{values}", ", ".join(f"r.{column}" for column in STORED))
        .replace("{rules}", rules)
    )
    return function, hashlib.sha256(function.encode()).hexdigest()


def is_current(thresholds, today=None):
    """Whether the table holds the results of these thresholds, judged on `today` (the local date)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ready, judged_on, fingerprint FROM grids_coveragestate WHERE id = 1")
        state = cursor.fetchone()
    if state is None:
        return False
    ready, judged_on, fingerprint = state
    return ready and judged_on == (today or timezone.localdate()) and fingerprint == judge_function_sql(thresholds)[1]


def table_results(prefix, thresholds, source=None):
    """grid_rules' rows of the current grids under `prefix` (or of the rows of `source`, a relation
    of current grids_area rows), read from the table, as (sql, params); None when the table does not
    hold today's results of these thresholds."""
    return table_sql(prefix, source) if is_current(thresholds) else None


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
    thresholds (the settings'); returns the number of grids. Writers wait for none of it but two
    short steps (see begin_rebuild and finish_rebuild); readers compute live until it is done."""
    thresholds = thresholds or Thresholds.from_settings()
    today = today or timezone.localdate()
    fingerprint = begin_rebuild(today, thresholds)
    judge_all()
    return finish_rebuild(today, fingerprint)


def begin_rebuild(today, thresholds):
    """The first step, short: the day's dates and the judging function made, the table not ready.
    It waits for the transactions judging grids now (they hold the state row FOR SHARE); the ones
    after it note the grids they touch in grids_coveragepending instead of judging them. Returns
    the judging function's fingerprint."""
    function, fingerprint = judge_function_sql(thresholds)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO grids_coveragestate
                   (id, ready, judged_on, visit_from, analysis_from, analysis_until, fingerprint, built_at)
               VALUES (1, false, %(today)s, %(visit_from)s, %(analysis_from)s, %(analysis_until)s,
                       %(fingerprint)s, now())
               ON CONFLICT (id) DO UPDATE SET ready = false, judged_on = EXCLUDED.judged_on,
                   visit_from = EXCLUDED.visit_from, analysis_from = EXCLUDED.analysis_from,
                   analysis_until = EXCLUDED.analysis_until, fingerprint = EXCLUDED.fingerprint,
                   built_at = EXCLUDED.built_at""",
            thresholds.params(today) | {"fingerprint": fingerprint},
        )
        cursor.execute(function)
    return fingerprint


def judge_all():
    """The long step (about 30 s for 50,000 grids): every current grid, and every row of a grid no
    longer current, judged on the state row's day. It locks only the table's own rows, which the
    writers do not touch while the table is not ready."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT govgrid_judge_coverage(ARRAY(
                    SELECT a.id FROM grids_area a WHERE {_CURRENT_GRID}
                    UNION SELECT grid_id FROM grids_gridcoverage))"""
        )


def finish_rebuild(today, fingerprint):
    """The last step, short: once the writers that noted grids have committed (the state row FOR
    UPDATE waits for them), those grids are judged again and the table is ready, unless another
    rebuild has begun since for another day or other rules (it finishes the table). Returns the
    number of rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM grids_coveragestate WHERE id = 1 AND judged_on = %s AND fingerprint = %s FOR UPDATE",
            [today, fingerprint],
        )
        if cursor.fetchone():
            cursor.execute(
                "SELECT govgrid_judge_coverage(ARRAY(SELECT grid_id FROM grids_coveragepending ORDER BY grid_id))"
            )
            cursor.execute("DELETE FROM grids_coveragepending")
            cursor.execute("UPDATE grids_coveragestate SET ready = true, built_at = now() WHERE id = 1")
        cursor.execute("SELECT count(*) FROM grids_gridcoverage")
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
