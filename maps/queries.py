"""Read-side queries for the map pages: PostGIS writes the GeoJSON, Python only passes it on."""

import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from govgrid.lib.moments import local_day
from grids.coverage import Thresholds, grid_coverage, grid_results, summary
from grids.models import CODE_LENGTH, Level, level_for_code, valid_on_sql
from grids.models.areas import placed_sql
from grids.models.people import in_force_sql
from grids.scopes import under_codes_sql
from incidents.figures import received_in_sql

from . import case_days

_FEATURES_SQL = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(geom, %(digits)s)::json,
        'properties', json_build_object('code', code, 'name', name, 'level', level, 'kind', kind,
                                        'households', households, 'population', population)
    ) ORDER BY code), '[]'::json))::text
    FROM grids_area WHERE level = %(level)s AND {valid} AND {under}
"""


# The decimals of every boundary a page draws inline: about a metre; a vertex shared by two areas
# rounds the same way in both, so no gap opens (the dashboard's city map had 6: 442 → 427 kB, demo city).
INLINE_DIGITS = 5


def feature_collection(level, within, digits=6, as_of=None):
    """All areas of one level inside any of the codes `within`, valid on `as_of` (current by
    default), as a GeoJSON dict; coordinates rounded to `digits` decimals (6 ≈ 0.1 m), which keeps
    the page light without moving any border."""
    return json.loads(feature_collection_text(level, within, digits, as_of))


def feature_collection_text(level, within, digits=6, as_of=None):
    """feature_collection as the GeoJSON text PostGIS writes."""
    under, params = under_codes_sql("code", within)
    valid = valid_on_sql("grids_area", None if as_of is None else "%(as_of)s")
    sql = _FEATURES_SQL.replace("{under}", under).replace("{valid}", valid)
    with connection.cursor() as cursor:
        cursor.execute(sql, params | {"level": level, "digits": digits, "as_of": as_of})
        return cursor.fetchone()[0]


def city_summary(areas):
    """Counts per level, grids per kind, households and population of an Area queryset."""
    by_level = dict(areas.values_list("level").annotate(n=Count("id")).order_by())
    by_kind = dict(areas.grids().values_list("kind").annotate(n=Count("id")).order_by())
    totals = areas.grids().aggregate(households=Sum("households"), population=Sum("population"))
    towns = areas.towns().count()
    streets = by_level.get(Level.STREET, 0) - towns
    return {"levels": by_level, "kinds": by_kind, "streets": streets, "towns": towns, **totals}


# --- coverage map ------------------------------------------------------------------------------

_COVERAGE_FEATURES_SQL = """
WITH results AS ({rules})
SELECT coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, %(tolerance)s), %(digits)s)::json,
    'properties', json_build_object('code', r.code, 'name', r.name, 'status', r.status)
) ORDER BY r.code), '[]'::json)::text
FROM results r JOIN grids_area a ON a.id = r.id
"""


def coverage_totals(prefixes, as_of=None):
    """Grids per status and per failed rule (of the rules reported) over the areas with these codes,
    added together; of the grids and people of `as_of` when given. Today's are read from the
    maintained coverage table (grids.coverage.summary reads it)."""
    totals = {"grids": 0, "full": 0, "partial": 0, "none": 0}
    reported = Thresholds.from_settings().reported
    failed = dict.fromkeys(reported, 0)
    for prefix in prefixes:
        for row in summary(prefix, level_for_code(prefix), today=as_of):
            for key in totals:
                totals[key] += row[key]
            for rule in reported:
                failed[rule] += row["failed"][rule]
    return totals, failed


def coverage_features(prefixes, tolerance=0.0, digits=6, as_of=None):
    """Every grid under the prefixes with its coverage status only (the popup asks for the rest),
    simplified by `tolerance` degrees and rounded to `digits` decimals: what an inline map needs.
    With `as_of`, the grids of that day and the rules judged on it."""
    thresholds = Thresholds.from_settings()
    features = []
    with connection.cursor() as cursor:
        for prefix in prefixes:
            rules, params = grid_results(prefix, thresholds=thresholds, today=as_of)
            cursor.execute(
                _COVERAGE_FEATURES_SQL.replace("{rules}", rules), params | {"tolerance": tolerance, "digits": digits}
            )
            features.extend(json.loads(cursor.fetchone()[0]))
    return {"type": "FeatureCollection", "features": features}


_GRID_PEOPLE_SQL = f"""
SELECT a.role, p.name
FROM grids_assignment a JOIN grids_person p ON p.id = a.person_id JOIN grids_area g ON g.id = a.area_id
WHERE g.code = %(code)s AND {in_force_sql("a", "%(today)s")}
  AND a.role IN ('grid_worker', 'service_team_member', 'group_leader')
ORDER BY a.role, p.name
"""


def grid_card(code, as_of=None):
    """One grid's coverage facts and rule results, with the names of its group leader, grid
    workers and service team: the content of its popup (as they were on `as_of` when given)."""
    rows = grid_coverage(code, today=as_of)
    if not rows:
        return None
    card = rows[0]
    with connection.cursor() as cursor:
        cursor.execute(_GRID_PEOPLE_SQL, {"code": code, "today": as_of or timezone.localdate()})
        people = cursor.fetchall()
        cursor.execute("SELECT name FROM grids_person WHERE id = %s", [card["group_leader_id"]])
        leader = cursor.fetchone()
    card["group_leader_name"] = leader[0] if leader else None
    card["grid_worker_names"] = [name for role, name in people if role == "grid_worker"]
    card["team_names"] = [name for role, name in people if role == "service_team_member"]
    return card


# --- density map -------------------------------------------------------------------------------


# Cases (aliased i) of a category: the item with that code or any item of the class with that
# code; every category when %(category)s is ''.
_IN_CATEGORY = """(%(category)s = '' OR i.category_id IN (
    SELECT c.id FROM incidents_category c LEFT JOIN incidents_category p ON p.id = c.parent_id
    WHERE c.code = %(category)s OR p.code = %(category)s))"""

# The one rule of the density map, for its colours, tooltips, heat map and popups alike: the cases
# received in [since, until) of the category, counted in the grid where they were reported (grid_id),
# not where they are handled now (area_code): a case escalated to the community still happened in
# its grid. A case of a grid a re-division retired counts in today's grid covering its place (the
# map draws today's grids). density_incidents renders it; every density query reads its rows.
# In two parts: the cases of today's grids, which placed_sql leaves where they are, need no
# placing (a lateral look-up per case cost 0.4 s of a district's 490,000 cases in 90 days, and
# hid from the planner how few rows the counts make); those of retired grids are placed.
# The period ({received_in}: incidents.figures.received_in_sql, which reads only its months).
_PERIODS_CASES = "(SELECT * FROM incidents_incident WHERE {received_in}) i"
_TODAYS_GRIDS_CASES_SQL = f"""
    SELECT i.id, i.grid_id, i.location
    FROM {_PERIODS_CASES} JOIN grids_area g ON g.id = i.grid_id
    WHERE {_IN_CATEGORY} AND {valid_on_sql("g")} AND {{under_today}}"""
_RETIRED_GRIDS_CASES_SQL = f"""
    SELECT i.id, coalesce(placed.id, i.grid_id) AS grid_id, i.location
    FROM {_PERIODS_CASES}
    JOIN grids_area g ON g.id = i.grid_id{placed_sql("g", "i.location")}
    WHERE {_IN_CATEGORY} AND NOT {valid_on_sql("g")} AND {{under}}"""


def _density_parts(prefixes, since, until, category):
    """The density map's cases, rendered in parts, and their parameters: "today", those of today's
    grids; "retired", those of retired grids, placed; "period", every case of the period (as i)."""
    # the grid counted (a retired one's successor here) is under the prefixes; the grid reported in
    # is in the same community (a re-division stays within it), which the code's index finds
    communities = sorted({prefix[: CODE_LENGTH[Level.COMMUNITY]] for prefix in prefixes})
    near, near_params = under_codes_sql("g.code", communities, "community")
    counted, params = under_codes_sql("coalesce(placed.code, g.code)", prefixes)
    today = under_codes_sql("g.code", prefixes)[0]  # counted as itself; the same parameters as `counted`
    received_in = received_in_sql(since, until)
    parts = {
        "period": _PERIODS_CASES.replace("{received_in}", received_in),
        "today": _TODAYS_GRIDS_CASES_SQL.replace("{under_today}", today).replace("{received_in}", received_in),
        "retired": _RETIRED_GRIDS_CASES_SQL.replace("{under}", f"{near} AND {counted}").replace(
            "{received_in}", received_in
        ),
    }
    return parts, params | near_params | {"category": category}


def density_incidents(prefixes, since, until, category=""):
    """The density map's cases as one named query: those received in [since, until) of a category
    (a class or one item; "" for all) reported in a grid under the prefixes, as (sql, params), a
    SELECT of (id, grid_id, location) that density, the heat map and a grid's popup all read."""
    parts, params = _density_parts(prefixes, since, until, category)
    return f"{parts['today']}\n    UNION ALL{parts['retired']}", params


# The heat map's cell of a point: each point in the cell of ST_SnapToGrid(point, %(cell)s degrees),
# computed as it does (rint(x / cell) * cell, and PostgreSQL's round of a double is rint) but as two
# numbers, which PostgreSQL hashes when it groups by them, instead of a geometry, which it sorts (an
# external sort of a district's 490,000 cases); and the cell's centre (lat, lon) from them. The
# heat map of the cases (heat_points) and of each grid's cases at a point of the grid (density's
# heat) both gather by this rule.
def _heat_cell_sql(point):
    return f"round(ST_X({point}) / %(cell)s::float8)", f"round(ST_Y({point}) / %(cell)s::float8)"


def _heat_centre_sql(cx, cy):
    return (
        f"round(({cy} * %(cell)s::float8)::numeric, 5)::float8",
        f"round(({cx} * %(cell)s::float8)::numeric, 5)::float8",
    )


# Today's grids' counts (grid_id, cases), from their cases: by grid first or joined (density says
# which, and why).
_TODAYS_GRIDS_COUNTED = """SELECT i.grid_id, count(*) AS cases FROM {periods_cases}
        WHERE {in_category} AND (SELECT yes FROM first)
        GROUP BY i.grid_id
        UNION ALL
        SELECT d.grid_id, count(*) FROM ({today}) d WHERE NOT (SELECT yes FROM first) GROUP BY d.grid_id""".replace(
    "{in_category}", _IN_CATEGORY
)

_DENSITY_SQL = """
WITH g AS (
    SELECT id, code, name, households, area_km2 AS km2,
           CASE WHEN %(cell)s::float8 IS NOT NULL THEN inner_point END AS point
    FROM grids_area WHERE level = 'grid' AND {current_grids} AND {grids_under}
), first AS (
    -- whether today's grids' cases are counted by grid first (density says why)
    -- (a view of fewer than FIRST_FROM grids is counted as it is without counting the database's)
    SELECT coalesce(%(count_first)s::boolean, count(*) >= %(first_from)s AND count(*) >= %(first_share)s * (
               SELECT count(*) FROM grids_area WHERE level = 'grid' AND {current_grids})) AS yes
    FROM g
), counts AS (
    SELECT c.grid_id, sum(c.cases)::bigint AS cases
    FROM (
        {todays_grids_counts}
        UNION ALL
        SELECT d.grid_id, count(*) FROM ({retired}) d GROUP BY d.grid_id
    ) c
    GROUP BY c.grid_id
), x AS (
    SELECT g.*, coalesce(counts.cases, 0) AS cases,
           CASE WHEN %(per)s = 'households' THEN coalesce(counts.cases, 0) * 1000.0 / nullif(g.households, 0)
                ELSE coalesce(counts.cases, 0) / nullif(g.km2, 0) END AS rate
    FROM g LEFT JOIN counts ON counts.grid_id = g.id
), stats AS (
    SELECT avg(rate) AS mean, stddev_pop(rate) AS sd, count(rate) AS n FROM x
), neighbours AS (
    -- each grid with the grids it touches and itself (binary weights, as Getis-Ord Gi* has them),
    -- kept by the database as boundaries change (migration maps/0001_grid_neighbours_pages50k);
    -- the sums of grids outside the view, made from their neighbours inside it, are left out by the
    -- join to x below (joining the pairs to g here as well cost a district 0.07 s)
    SELECT n.grid_id AS id, sum(x.rate) AS total, count(x.rate) AS w
    FROM maps_gridneighbour n
    JOIN x ON x.id = n.neighbour_id
    GROUP BY n.grid_id
), r AS MATERIALIZED (
    -- each grid's figures as the page shows them: the rate to two places, the Gi* z-score to two,
    -- and its class of hot spot (HOT_SPOT_Z), judged on the z-score before it is rounded
    SELECT x.code, x.name, x.cases, round(x.rate::numeric, 2) AS rate, x.point,
           CASE WHEN z.z >= %(hot99)s THEN 'hot99' WHEN z.z >= %(hot95)s THEN 'hot95' ELSE '' END AS hot_spot,
           round(z.z::numeric, 2) AS gi_z
    FROM x CROSS JOIN stats LEFT JOIN neighbours n ON n.id = x.id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN x.rate IS NULL OR stats.sd = 0 OR stats.n < 3 OR n.w >= stats.n THEN NULL
               ELSE (n.total - stats.mean * n.w) / (stats.sd * sqrt((stats.n * n.w - n.w * n.w) / (stats.n - 1.0)))
               END AS z
    ) z
), bounds AS (
    -- the upper bounds of up to %(classes)s quantile classes of the rates, each once (grids with no
    -- case make fewer classes rather than empty ones): in the rates in order, the one at each
    -- position ceil(n × i / classes), i = 1 … classes
    SELECT coalesce(array_agg(DISTINCT s.rate ORDER BY s.rate), '{}') AS b
    FROM (SELECT rate, row_number() OVER (ORDER BY rate) AS k FROM r WHERE rate IS NOT NULL) s
    WHERE s.k IN (SELECT (t.n * i + %(classes)s - 1) / %(classes)s
                  FROM (SELECT count(rate) AS n FROM r) t CROSS JOIN generate_series(1, %(classes)s) i)
)
-- the page's figures in one row: the grids' totals, the classes' bounds, the hot spots (highest
-- first), the heat map's cells of the grids' points (with a cell), and each grid (up to grids_up_to)
SELECT count(*) AS grid_total, coalesce(sum(r.cases), 0)::bigint AS total,
       count(*) FILTER (WHERE r.cases > 0) AS grids_with_cases,
       coalesce(bool_or(r.rate IS NULL), false) AS without_rate,
       (SELECT b::float8[] FROM bounds) AS bounds,
       coalesce(json_agg(json_build_array(r.code, r.name, r.cases, r.gi_z, r.hot_spot) ORDER BY r.gi_z DESC, r.code)
                FILTER (WHERE r.hot_spot <> ''), '[]')::text AS hot,
       CASE WHEN %(cell)s::float8 IS NOT NULL THEN (
           SELECT coalesce(json_agg(json_build_array(h.lat, h.lon, h.cases)), '[]')::text
           FROM (SELECT {heat_centre}, sum(p.cases)::bigint AS cases
                 FROM (SELECT {heat_cell}, cases FROM r WHERE cases > 0) p
                 GROUP BY p.cx, p.cy) h
       ) END AS heat,
       CASE WHEN count(*) <= coalesce(%(grids_up_to)s, count(*)) THEN (
           SELECT coalesce(json_agg(json_build_array(
               r.code, r.name, r.cases, r.rate,
               CASE WHEN r.rate IS NOT NULL THEN (SELECT count(*) FROM bounds, unnest(bounds.b) v WHERE v < r.rate) END,
               r.gi_z, r.hot_spot) ORDER BY r.code), '[]')::text
           FROM r
       ) END AS grids
FROM r
""".replace("{current_grids}", valid_on_sql("grids_area"))
_DENSITY_SQL = _DENSITY_SQL.replace(
    "{heat_centre}", "{} AS lat, {} AS lon".format(*_heat_centre_sql("cx", "cy"))
).replace("{heat_cell}", "{} AS cx, {} AS cy".format(*_heat_cell_sql("point")))

# The share of the database's grids from which a density view counts its cases by grid first
# (measured at 50,000 grids, 90 days: a district 0.73 s against 0.83 s joined; half of its streets
# 0.51 against 0.52; a quarter 0.36 against 0.29; a street 0.26 against 0.03), and the number of
# grids below which it does not ask (either form costs a few milliseconds there; counting the
# database's grids, 7).
FIRST_SHARE = 0.5
FIRST_FROM = 1000

# Getis-Ord Gi* z-scores above these are hot spots at 95 % and 99 % confidence.
HOT_SPOT_Z = ((2.576, "hot99"), (1.96, "hot95"))


def _whole_days(since, until):
    """(first day, day after the last) of [since, until) when both are local midnights, else None."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first, after = local_day(since, zone), local_day(until, zone)
    return None if first is None or after is None else (first, after)


def density(
    prefixes,
    since,
    until,
    category="",
    per="households",
    heat_cell=None,
    grids_up_to=None,
    classes=5,
    count_first=None,
    kept=True,
):
    """The density map of the grids under the prefixes: cases received in [since, until) of a
    category (a class or one item; "" for all) per grid, their rate per 1,000 households or per km²,
    and whether the grid is a hot spot: its Getis-Ord Gi* z-score over itself and the grids it
    touches. Worked out in the database, which sends the page's figures rather than a row per grid
    (a province's district has 50,000): a dict of

    - grid_total, total (cases), grids_with_cases, without_rate (whether a grid has no rate);
    - bounds: the upper bounds of up to `classes` quantile classes of the rates;
    - hot: the hot spots, highest z-score first, as rows (code, name, cases, gi_z, hot_spot);
    - heat: with `heat_cell` (in degrees), [[lat, lon, cases]] of each grid's cases gathered at a
      point on the grid's surface, added up per heat map cell (the heat map of a view whose cells
      are as wide as its grids, maps.density_page); None without;
    - grids: every grid as a row (code, name, cases, rate, class, gi_z, hot_spot), in code order,
      when they are at most `grids_up_to` (None: always); None above.

    Today's grids' cases are counted in one of two ways, which give the same counts: each case
    joined to its grid when the view holds few of the database's grids (a street, a community: its
    grids' cases are found by the grid), or every case of the period counted by grid first and the
    counts joined to the view's grids when it holds FIRST_SHARE of them or more (a district alone in
    its database: 50,000 counts joined instead of 490,000 cases). `count_first` True or False
    chooses; None, by that share. Every category over whole local days is read from the totals
    kept per grid and day instead (maps.case_days), unless `kept` is False."""
    parts, params = _density_parts(prefixes, since, until, category)
    grids_under, grids_params = under_codes_sql("code", prefixes)
    days = _whole_days(since, until) if kept and not category else None
    if days:  # every category over whole local days: the kept totals (maps.case_days)
        params |= case_days.counts_params(*days)
    sql = (
        _DENSITY_SQL.replace("{grids_under}", grids_under)
        .replace(
            "{todays_grids_counts}",
            case_days.counts_sql("g", "(SELECT yes FROM first)") if days else _TODAYS_GRIDS_COUNTED,
        )
        .replace("{periods_cases}", parts["period"])
        .replace("{today}", parts["today"])
        .replace("{retired}", parts["retired"])
    )
    params |= grids_params | {"per": per, "cell": heat_cell, "count_first": count_first}
    params |= {"first_share": FIRST_SHARE, "first_from": FIRST_FROM, "grids_up_to": grids_up_to, "classes": classes}
    params |= {label: limit for limit, label in HOT_SPOT_Z}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        found = dict(zip(columns, cursor.fetchone(), strict=True))
    found["hot"] = [dict(zip(_HOT_COLUMNS, row, strict=True)) for row in json.loads(found["hot"])]
    if found["heat"] is not None:
        found["heat"] = json.loads(found["heat"])
    if found["grids"] is not None:
        found["grids"] = [dict(zip(_GRID_COLUMNS, row, strict=True)) for row in json.loads(found["grids"])]
    return found


_HOT_COLUMNS = ("code", "name", "cases", "gi_z", "hot_spot")
_GRID_COLUMNS = ("code", "name", "cases", "rate", "class", "gi_z", "hot_spot")


_HEAT_SQL = """
SELECT {centre}, count(*)
FROM (SELECT {cell} FROM ({cases}) d) snapped
GROUP BY cx, cy
""".replace("{centre}", ", ".join(_heat_centre_sql("cx", "cy"))).replace(
    "{cell}", "{} AS cx, {} AS cy".format(*_heat_cell_sql("d.location"))
)


# The heat map's cell, in degrees: about 50 m (maps.density_page widens it for wider views).
HEAT_CELL = 0.0005


def heat_points(prefixes, since, until, category="", cell=HEAT_CELL):
    """[[lat, lon, cases]] of the cases' locations gathered into cells of `cell` degrees (0.0005°,
    about 50 m): the heat map's input, small whatever the number of cases."""
    cases, params = density_incidents(prefixes, since, until, category)
    with connection.cursor() as cursor:
        cursor.execute(_HEAT_SQL.replace("{cases}", cases), params | {"cell": cell})
        return [[lat, lon, n] for lat, lon, n in cursor.fetchall()]


def median_grid_km2(prefixes):
    """The median area in km² of the current grids under the prefixes (None without grids)."""
    under, params = under_codes_sql("code", prefixes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY area_km2) FROM grids_area
                WHERE level = 'grid' AND {valid_on_sql("grids_area")} AND {under}""",
            params,
        )
        return cursor.fetchone()[0]


def density_incident_ids(code, since, until, category=""):
    """The ids of the cases that the density map counts for the grid `code` (its tooltip's figure):
    the list its popup shows, from the same named query."""
    cases, params = density_incidents([code], since, until, category)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.id FROM ({cases}) d", params)
        return [row[0] for row in cursor.fetchall()]


def area_features(codes, digits=INLINE_DIGITS):
    """The boundaries of areas by code (for outlining hot spots or drawing a density layer)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'geometry',
                   ST_AsGeoJSON(geom, %(digits)s)::json, 'properties', json_build_object('code', code))
                   ORDER BY code), '[]'::json)::text
               FROM grids_area WHERE code = ANY(%(codes)s)""",
            {"codes": list(codes), "digits": digits},
        )
        return {"type": "FeatureCollection", "features": json.loads(cursor.fetchone()[0])}
