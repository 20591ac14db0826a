"""Coverage: is each grid's organisation complete, and how complete is each area above it?

Five rules per grid (settings.COVERAGE_* say which count and their thresholds):
- group_leader: the grid has a Party group with a leader;
- service_team: at least N Party members in its service team;
- grid_worker: at least one grid worker;
- households: at least X % of its households linked to a Party member (a grid without households
  passes it, and it does not count towards that grid's status);
- station: a service station within D metres of the grid.
A grid is full when every counted rule holds, none when none does, partial otherwise.

Everything is one SQL statement per level: the grid rules are computed set-wise from the stored
foreign keys (no spatial join except the nearest-station search through the GiST index), then
grouped by code prefix for communities, streets and districts.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import CODE_LENGTH, Level
from .models.areas import under_codes_sql
from .models.people import in_force_sql

RULES = ("group_leader", "service_team", "grid_worker", "households", "station")


@dataclass(frozen=True)
class Thresholds:
    rules: tuple
    min_team: int
    household_percent: float
    station_metres: float

    @classmethod
    def from_settings(cls):
        return cls(
            rules=tuple(settings.COVERAGE_RULES),
            min_team=settings.COVERAGE_MIN_TEAM,
            household_percent=settings.COVERAGE_HOUSEHOLD_PERCENT,
            station_metres=settings.COVERAGE_STATION_METRES,
        )

    def params(self, today):
        return {
            "today": today,
            "min_team": self.min_team,
            "household_percent": self.household_percent,
            "station_metres": self.station_metres,
            **{f"use_{rule}": rule in self.rules for rule in RULES},
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
), facts AS (
    SELECT g.id, g.code, g.name, coalesce(g.households, 0) AS households,
           org.leader_id IS NOT NULL AS has_group_leader,
           org.leader_id AS group_leader_id,
           coalesce(r.team_members, 0) AS team_members,
           coalesce(r.grid_workers, 0) AS grid_workers,
           coalesce(l.linked, 0) AS linked_households,
           near.id AS station_id, near.name AS station_name, near.metres AS station_metres
    FROM grid g
    LEFT JOIN grids_partyorg org ON org.area_id = g.id
    LEFT JOIN roles r ON r.area_id = g.id
    LEFT JOIN links l ON l.grid_id = g.id
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
           coalesce(station_metres <= %(station_metres)s, false) AS ok_station
    FROM facts f
), counted AS (
    SELECT r.*,
        (%(use_group_leader)s AND ok_group_leader)::int + (%(use_service_team)s AND ok_service_team)::int
        + (%(use_grid_worker)s AND ok_grid_worker)::int
        + (%(use_households)s AND households > 0 AND ok_households)::int
        + (%(use_station)s AND ok_station)::int AS passed,
        -- the household rule does not count for a grid without households (a park, a school)
        %(use_group_leader)s::int + %(use_service_team)s::int + %(use_grid_worker)s::int
        + (%(use_households)s AND households > 0)::int + %(use_station)s::int AS counted
    FROM rules r
)
SELECT *, CASE WHEN passed = counted THEN 'full' WHEN passed = 0 THEN 'none' ELSE 'partial' END AS status
FROM counted
"""

_ROLLUP_SQL = """
WITH results AS ({rules})
SELECT a.code, a.name, a.level,
       count(*) AS grids,
       count(*) FILTER (WHERE status = 'full') AS full,
       count(*) FILTER (WHERE status = 'partial') AS partial,
       count(*) FILTER (WHERE status = 'none') AS none,
       count(*) FILTER (WHERE NOT ok_group_leader) AS failed_group_leader,
       count(*) FILTER (WHERE NOT ok_service_team) AS failed_service_team,
       count(*) FILTER (WHERE NOT ok_grid_worker) AS failed_grid_worker,
       count(*) FILTER (WHERE NOT ok_households) AS failed_households,
       count(*) FILTER (WHERE NOT ok_station) AS failed_station
FROM results r JOIN grids_area a ON a.code = left(r.code, %(length)s)
GROUP BY a.code, a.name, a.level
ORDER BY a.code
"""


def grid_rules(prefix=None, *, source=None, thresholds=None, today=None):
    """The coverage of grids as one named query: the facts, each rule's result and the status of
    every grid whose code starts with `prefix`, or of every row of `source` (the name of the
    caller's own relation of grids_area rows, e.g. the grids of a map tile). Returns (sql, params):
    a SELECT, one row per grid, that a caller wraps (WITH results AS (sql) ...) and runs with the
    params and its own. The text is the same for every prefix, so one statement serves several.

    Columns: id, code, name, households, has_group_leader, group_leader_id, team_members,
    grid_workers, linked_households, station_id, station_name, station_metres, ok_<rule> for each
    of RULES, passed and counted (the rules that count and hold, and that count), and status
    (full, partial or none)."""
    thresholds = thresholds or Thresholds.from_settings()
    params = thresholds.params(today or timezone.localdate())
    if source is None:
        under, under_params = under_codes_sql("code", [prefix], "prefix")
        grids = f"SELECT id, code, name, households, geom FROM grids_area WHERE level = 'grid' AND {under}"
        params |= under_params
    else:
        grids = f"SELECT id, code, name, households, geom FROM {source}"
    return _GRID_RULES_SQL.replace("{grids}", grids), params


def grid_coverage(prefix, thresholds=None, today=None):
    """One dict per grid under `prefix`: its facts, each rule's result and its status."""
    sql, params = grid_rules(prefix, thresholds=thresholds, today=today)
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
    rules, params = grid_rules(prefix, thresholds=thresholds, today=today)
    with connection.cursor() as cursor:
        cursor.execute(_ROLLUP_SQL.replace("{rules}", rules), params | {"length": CODE_LENGTH[Level(level)]})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        total = row["grids"] or 1
        row["shares"] = {status: round(row[status] / total, 4) for status in ("full", "partial", "none")}
        row["failed"] = {rule: row.pop(f"failed_{rule}") for rule in RULES}
        row["rules"] = list(thresholds.rules)
    return rows
