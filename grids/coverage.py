"""Coverage: is each grid's organisation complete, and how complete is each area above it?

Five rules per grid (settings.COVERAGE_* say which count and their thresholds):
- group_leader: the grid has a Party group with a leader;
- service_team: at least N Party members in its service team;
- grid_worker: at least one grid worker;
- households: at least X % of its households linked to a Party member (a grid without households
  passes it, and it does not count towards that grid's status);
- station: a service station within D metres of the grid;
and two of the Party group's duties (三个一), counted only when named in COVERAGE_RULES:
- visits: the household links' visits over the last COVERAGE_VISIT_WEEKS full weeks cover at least
  COVERAGE_VISIT_PERCENT % of the link-weeks due (grids.duty_weeks says which are due and done; a
  grid with no link-week due passes it, and it does not count towards that grid's status);
- analysis: the grid's Party group held a situation analysis (民情研判) last calendar month.
The five organisation rules are always reported (counted or not, so the effect of turning one on
can be seen); the duty rules are reported where they count (`reported`), so the figures of a
deployment that does not ask for them stay as they were.
A grid is full when every counted rule holds, none when none does, partial otherwise.

Everything is one SQL statement per level: the grid rules are computed set-wise from the stored
foreign keys (no spatial join except the nearest-station search through the GiST index), then
grouped by code prefix for communities, streets and districts.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .duty_weeks import WEEK, link_weeks_sql, weeks_back
from .models import CODE_LENGTH, Level, valid_on_sql
from .models.areas import under_codes_sql
from .models.people import in_force_sql

RULES = ("group_leader", "service_team", "grid_worker", "households", "station")  # always reported
DUTY_RULES = ("visits", "analysis")  # reported where they count
ALL_RULES = RULES + DUTY_RULES


def reported(rules):
    """The rules whose results are shown (the map's legend and popup, the API's features, the
    summary's failed counts): the five of the organisation, and the duty rules among `rules`."""
    return RULES + tuple(rule for rule in DUTY_RULES if rule in rules)


def last_calendar_month(today):
    """[first day of last month, first day of this month)."""
    this_month = today.replace(day=1)
    return (this_month - WEEK).replace(day=1), this_month


@dataclass(frozen=True)
class Thresholds:
    rules: tuple
    min_team: int
    household_percent: float
    station_metres: float
    visit_weeks: int = 4
    visit_percent: float = 80

    @property
    def reported(self):
        return reported(self.rules)

    @classmethod
    def from_settings(cls):
        return cls(
            rules=tuple(settings.COVERAGE_RULES),
            min_team=settings.COVERAGE_MIN_TEAM,
            household_percent=settings.COVERAGE_HOUSEHOLD_PERCENT,
            station_metres=settings.COVERAGE_STATION_METRES,
            visit_weeks=settings.COVERAGE_VISIT_WEEKS,
            visit_percent=settings.COVERAGE_VISIT_PERCENT,
        )

    def params(self, today):
        analysis_from, analysis_until = last_calendar_month(today)
        return {
            "today": today,
            "min_team": self.min_team,
            "household_percent": self.household_percent,
            "station_metres": self.station_metres,
            "visit_from": weeks_back(today, self.visit_weeks, include_current=False)[0],
            "visit_weeks": self.visit_weeks,
            "visit_percent": self.visit_percent,
            "analysis_from": analysis_from,
            "analysis_until": analysis_until,
            **{f"use_{rule}": rule in self.rules for rule in ALL_RULES},
        }


# The facts and rule results of every grid of {grids} (id, code, name, households and geom of each):
# grid_rules fills it in.
_GRID_RULES_SQL = f"""
WITH grid AS ({{grids}}), active AS (
    SELECT a.area_id, a.role, a.person_id, p.is_party_member
    FROM grids_assignment a JOIN grids_person p ON p.id = a.person_id
    WHERE {in_force_sql("a", "%(today)s")}
      AND a.area_id IN (SELECT id FROM grid)
), roles AS (
    SELECT area_id,
           count(DISTINCT person_id) FILTER (WHERE role = 'service_team_member' AND is_party_member) AS team_members,
           count(DISTINCT person_id) FILTER (WHERE role = 'grid_worker') AS grid_workers
    FROM active GROUP BY area_id
), links AS (
    SELECT grid_id, sum(households) AS linked
    FROM grids_householdlink h
    WHERE {in_force_sql("h", "%(today)s")} AND grid_id IN (SELECT id FROM grid)
    GROUP BY grid_id
), visits AS (
    -- the link-weeks of the last full weeks, due and done, by grids.duty_weeks' rule
    SELECT grid_id, count(*) FILTER (WHERE due) AS due, count(*) FILTER (WHERE done) AS done
    FROM ({
    link_weeks_sql(
        "SELECT id, grid_id, person_id, starts_on, ends_on FROM grids_householdlink"
        " WHERE grid_id IN (SELECT id FROM grid)",
        "%(visit_from)s",
        "%(visit_weeks)s",
    )
}) lw
    GROUP BY grid_id
), analyses AS (
    SELECT area_id, count(*) AS meetings, max(held_on) AS last_held_on
    FROM grids_partymeeting
    WHERE kind = 'analysis' AND held_on >= %(analysis_from)s AND held_on < %(analysis_until)s
      AND area_id IN (SELECT id FROM grid)
    GROUP BY area_id
), facts AS (
    SELECT g.id, g.code, g.name, coalesce(g.households, 0) AS households,
           org.leader_id IS NOT NULL AS has_group_leader,
           org.leader_id AS group_leader_id,
           coalesce(r.team_members, 0) AS team_members,
           coalesce(r.grid_workers, 0) AS grid_workers,
           coalesce(l.linked, 0) AS linked_households,
           near.id AS station_id, near.name AS station_name, near.metres AS station_metres,
           coalesce(v.due, 0) AS visit_weeks_due, coalesce(v.done, 0) AS visit_weeks_done,
           coalesce(m.meetings, 0) AS analysis_meetings
    FROM grid g
    LEFT JOIN grids_partyorg org ON org.area_id = g.id
    LEFT JOIN roles r ON r.area_id = g.id
    LEFT JOIN links l ON l.grid_id = g.id
    LEFT JOIN visits v ON v.grid_id = g.id
    LEFT JOIN analyses m ON m.area_id = g.id
    LEFT JOIN LATERAL (
        -- the few nearest by the index, then the nearest of those in metres on the spheroid
        SELECT c.id, c.name, ST_Distance(c.location::geography, g.geom::geography) AS metres
        FROM (SELECT id, name, location FROM grids_servicestation ORDER BY location <-> g.geom LIMIT 3) c
        ORDER BY 3 LIMIT 1
    ) near ON true
), rules AS (
    SELECT f.*,
           has_group_leader AS ok_group_leader,
           team_members >= %(min_team)s AS ok_service_team,
           grid_workers >= 1 AS ok_grid_worker,
           (households = 0 OR linked_households * 100.0 >= %(household_percent)s * households) AS ok_households,
           coalesce(station_metres <= %(station_metres)s, false) AS ok_station,
           (visit_weeks_due = 0 OR visit_weeks_done * 100.0 >= %(visit_percent)s * visit_weeks_due) AS ok_visits,
           analysis_meetings > 0 AS ok_analysis
    FROM facts f
), counted AS (
    SELECT r.*,
        (%(use_group_leader)s AND ok_group_leader)::int + (%(use_service_team)s AND ok_service_team)::int
        + (%(use_grid_worker)s AND ok_grid_worker)::int
        + (%(use_households)s AND households > 0 AND ok_households)::int
        + (%(use_station)s AND ok_station)::int
        + (%(use_visits)s AND visit_weeks_due > 0 AND ok_visits)::int + (%(use_analysis)s AND ok_analysis)::int
        AS passed,
        -- the household rule does not count for a grid without households (a park, a school), nor
        -- the visits rule for a grid without a link-week due
        %(use_group_leader)s::int + %(use_service_team)s::int + %(use_grid_worker)s::int
        + (%(use_households)s AND households > 0)::int + %(use_station)s::int
        + (%(use_visits)s AND visit_weeks_due > 0)::int + %(use_analysis)s::int AS counted
    FROM rules r
)
SELECT *, CASE WHEN passed = counted THEN 'full' WHEN passed = 0 THEN 'none' ELSE 'partial' END AS status
FROM counted
"""

# Grids per status and per failed rule, summed per area code before the areas' names are looked up
# (one look-up per area, not per grid: a district's 50,000 grids, 67–84 ms → 34 ms).
_ROLLED = {
    "grids": "count(*)",
    **{status: f"count(*) FILTER (WHERE status = '{status}')" for status in ("full", "partial", "none")},
    **{f"failed_{rule}": f"count(*) FILTER (WHERE NOT ok_{rule})" for rule in ALL_RULES},
}
_ROLLUP_SQL = f"""
WITH results AS ({{rules}}), rolled AS (
    SELECT left(r.code, %(length)s) AS code, {", ".join(f"{sql} AS {name}" for name, sql in _ROLLED.items())}
    FROM results r
    GROUP BY 1
)
SELECT a.code, a.name, a.level, {", ".join(f"rolled.{name}" for name in _ROLLED)}
FROM rolled JOIN grids_area a ON a.code = rolled.code
ORDER BY a.code
"""


def grid_rules(prefix=None, *, source=None, grid_ids=None, thresholds=None, today=None):
    """The coverage of grids as one named query: the facts, each rule's result and the status of
    every grid whose code starts with `prefix` and valid on `today` (the current grids when not
    given), or of the current grids among `grid_ids` (a list of ids, or the SQL of an array of them:
    how grids.coverage_table refreshes the grids a change touched), or of every row of `source`
    (the name of the caller's own relation of grids_area rows, e.g. the grids of a map tile).
    Returns (sql, params):
    a SELECT, one row per grid, that a caller wraps (WITH results AS (sql) ...) and runs with the
    params and its own. The text is the same for every prefix, so one statement serves several.

    Columns: id, code, name, households, has_group_leader, group_leader_id, team_members,
    grid_workers, linked_households, station_id, station_name, station_metres, visit_weeks_due,
    visit_weeks_done, analysis_meetings, ok_<rule> for each of ALL_RULES, passed and counted (the
    rules that count and hold, and that count), and status (full, partial or none)."""
    thresholds = thresholds or Thresholds.from_settings()
    params = thresholds.params(today or timezone.localdate())
    valid = valid_on_sql("grids_area", None if today is None else "%(today)s")
    columns = "SELECT id, code, name, households, geom FROM"
    if source is not None:
        grids = f"{columns} {source}"
    elif grid_ids is not None:
        if not isinstance(grid_ids, str):
            params["grid_ids"], grid_ids = list(grid_ids), "%(grid_ids)s"
        grids = f"{columns} grids_area WHERE id = ANY({grid_ids}) AND level = 'grid' AND {valid}"
    else:
        under, under_params = under_codes_sql("code", [prefix], "prefix")
        grids = f"{columns} grids_area WHERE level = 'grid' AND {valid} AND {under}"
        params |= under_params
    return _GRID_RULES_SQL.replace("{grids}", grids), params


def grid_results(prefix=None, *, source=None, thresholds=None, today=None):
    """grid_rules' rows for the grids under `prefix`, or of every row of `source` (as grid_rules'),
    as (sql, params) with the same columns: read from the maintained table (grids.coverage_table)
    when it holds today's results of these thresholds, else computed live. A past day (`today`, the
    as_of of generations) is always computed live: the table holds only the current grids judged on
    the current day."""
    from .coverage_table import table_results  # the table is made from this module's rules

    thresholds = thresholds or Thresholds.from_settings()
    if today is None:
        found = table_results(prefix, thresholds, source=source)
        if found is not None:
            return found
    return grid_rules(prefix, source=source, thresholds=thresholds, today=today)


def grid_coverage(prefix, thresholds=None, today=None):
    """One dict per grid under `prefix`: its facts, each rule's result and its status."""
    sql, params = grid_results(prefix, thresholds=thresholds, today=today)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY code", params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def summary(prefix, level, thresholds=None, today=None):
    """Per area of `level` under `prefix`: grids per status and per failed rule, and shares.

    Rules that do not count are still reported (as failed counts) so the effect of turning one on
    can be seen; the status figures use only the rules that count.
    """
    thresholds = thresholds or Thresholds.from_settings()
    rules, params = grid_results(prefix, thresholds=thresholds, today=today)
    with connection.cursor() as cursor:
        cursor.execute(_ROLLUP_SQL.replace("{rules}", rules), params | {"length": CODE_LENGTH[Level(level)]})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        total = row["grids"] or 1
        row["shares"] = {status: round(row[status] / total, 4) for status in ("full", "partial", "none")}
        failed = {rule: row.pop(f"failed_{rule}") for rule in ALL_RULES}
        row["failed"] = {rule: failed[rule] for rule in thresholds.reported}
        row["rules"] = list(thresholds.rules)
    return rows
