"""The dashboard's figures: coverage shares, open and overdue cases by level, closure by level,
on-time rate and satisfaction over the last twelve months, trends by month, the ranking of streets
and communities for a month or a quarter (by the rating scheme's computed criteria, ratings.ranking),
and the areas one level down for drill-down. Every figure comes from the SQL of grids.coverage and
incidents.figures; this module only adds areas and months together."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.moments import first_of_next_month
from grids.models import CODE_LENGTH, Area, Level, level_for_code
from grids.scopes import under_codes_sql
from incidents.figures import figures
from incidents.loop_figures import loop_figures, red_and_black
from incidents.models import OPEN_STATUSES

from .queries import coverage_totals

SHARES = ("satisfaction", "visits_share")  # of the volunteers' figures, shown in %
COUNTS = (
    "received",
    "closed",
    "closed_in_grid",
    "closed_in_community",
    "closed_at_street",
    "resolved",
    "resolved_on_time",
    "late",
    "rated",
    "satisfied",
)
LEVELS_DOWN = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def combine(rows):
    """Counts of several figure rows added up, with the shares (in %) and the mean rating."""
    total = {key: sum(row[key] for row in rows) for key in COUNTS}
    rating_sum = sum((row["mean_rating"] or 0) * row["rated"] for row in rows)  # rated cases' ratings
    total["mean_rating"] = round(rating_sum / total["rated"], 2) if total["rated"] else None
    total["closure_rate"] = _share(total["closed"], total["received"])
    total["in_grid"] = _share(total["closed_in_grid"], total["closed"])
    total["in_community"] = _share(total["closed_in_community"], total["closed"])
    total["at_street"] = _share(total["closed_at_street"], total["closed"])
    total["on_time"] = _share(total["resolved_on_time"], total["resolved_on_time"] + total["late"])
    total["satisfaction"] = _share(total["satisfied"], total["rated"])
    return total


def months_back(today, n):
    """The first days of the last n months, oldest first, this month last."""
    firsts = []
    year, month = today.year, today.month
    for _month in range(n):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def _aware(day):
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def open_incidents_by_level(prefixes):
    """{level: (open, overdue)} for cases not yet resolved, at each level."""
    under, params = under_codes_sql("area_code", prefixes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT level, count(*), count(*) FILTER (WHERE due_at < now())
               FROM incidents_incident WHERE {under} AND status = ANY(%(open)s) GROUP BY level""",
            params | {"open": list(OPEN_STATUSES)},
        )
        found = {level: (n, late) for level, n, late in cursor.fetchall()}
    return [(Level(level).label, *found.get(level, (0, 0))) for level in (Level.GRID, Level.COMMUNITY, Level.STREET)]


def ranking(prefixes, level, since, until):
    """Areas of a level under the prefixes on the cases of [since, until) (days), best first:
    closure rate, then the share closed within the grid, then the on-time rate. The ranking of a
    district with no rating scheme for the period (ratings.ranking ranks the others)."""
    since, until = _aware(since), _aware(until)
    rows = []
    for prefix in prefixes:
        for row in figures(prefix, level, since, until, medians=False):
            rows.append({"code": row["code"], "name": row["name"], **combine([row])})
    rows.sort(key=lambda r: (-(r["closure_rate"] or 0), -(r["in_grid"] or 0), -(r["on_time"] or 0), r["code"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


# A ranking of more areas than this shows its first and last RANKING_ENDS, with how many lie between
# (a district of 50,000 grids ranks 4,475 communities: 790 kB of table on a phone); its exports,
# linked under it, hold every row.
RANKING_SHOWN = 50
RANKING_ENDS = 20


def ranking_ends(rows):
    """The rows a ranking's table shows: all, or the first and last RANKING_ENDS with {"gap": n}
    between them for the n left out."""
    if len(rows) <= RANKING_SHOWN:
        return rows
    return [*rows[:RANKING_ENDS], {"gap": len(rows) - 2 * RANKING_ENDS}, *rows[-RANKING_ENDS:]]


def level_ranking(prefixes, level, period, area):
    """The ranking block of a level: per district, its areas by the rating scheme's computed
    criteria (ratings.ranking), or by the cases when the district has no scheme for the period;
    and the query of its exports."""
    from ratings.ranking import ranking as rating_ranking  # an app above this one (docs/architecture.md)

    tables = []
    for found in rating_ranking(prefixes, level, period):
        if found.scheme is None:
            since, until = period.days()
            rows = ranking(found.prefixes, level, since, until)
            tables.append({"district": found.district, "rows": ranking_ends(rows), "columns": 7})
            continue
        tables.append(
            {
                "district": found.district,
                "scheme": found.scheme,
                "criteria": found.criteria,
                "most": found.most,
                "rows": [row if "gap" in row else _shown_row(row, found.criteria) for row in ranking_ends(found.rows)],
                "columns": 4 + len(found.criteria),
            }
        )
    query = [("within", area.code)] if area is not None else []
    query += [("level", level), (period.kind, period.label)]
    return {"label": Level(level).label, "level": level, "tables": tables, "query": urlencode(query)}


def _shown_row(row, criteria):
    from ratings.indicators import INDICATORS
    from ratings.ranking import shown

    cells = []
    for criterion in criteria:
        value, points = row["criteria"][criterion.code]
        cells.append({"code": criterion.code, "value": shown(criterion, value), "points": points})
    return row | {"cells": cells, "closure_shown": INDICATORS["closure_rate"].shown(row["closure_rate"])}


def participation(prefixes, since, until):
    """Residents' reports (受理及时率) and consultation (协商议事) over the areas and period, in %."""
    from consultations.figures import COUNTS, dashboard_summary
    from residents.figures import resident_figures

    reports = [row for p in prefixes for row in resident_figures(p, level_for_code(p), since, until)]
    totals = {key: sum(r[key] for r in reports) for key in ("received", "accepted", "merged", "declined", "pending")}
    in_time, late = (sum(r[key] for r in reports) for key in ("decided_in_time", "decided_late"))
    consulted = [dashboard_summary(p, since, until) for p in prefixes]
    items = {key: sum(c[key] for c in consulted) for key in COUNTS}
    return {
        "reports": totals | {"accepted_in_time": _percent(in_time, in_time + late)},
        "consultations": items
        | {
            "solved_share": _percent(items["solved"], items["raised"]),
            "satisfied_share": _percent(items["satisfied"], items["evaluations"]),
        },
    }


def party_members(prefixes, today, first, level):
    """The Party members' and volunteers' work (党员服务) over the areas, from `first` (a day) to
    today included, and the analysis meetings and trainings of the last whole month: the same
    statement as the volunteers' figures API (volunteers.figures), with shares in %. `query` is the
    API's and the CSV's query for the same period, per area of `level`."""
    from volunteers.figures import meetings_held, volunteer_totals

    figures = volunteer_totals(prefixes, first, today + timedelta(days=1))
    last_month = months_back(today, 2)[0]
    held = meetings_held(prefixes, last_month, first_of_next_month(last_month))
    return {
        "figures": figures,
        "shown": {name: None if figures[name] is None else round(100 * figures[name], 1) for name in SHARES},
        "month": f"{last_month:%Y-%m}",
        "meetings_last_month": held["analysis_meetings"],
        "trainings_last_month": held["trainings"],
        "query": urlencode(
            [("within", prefix) for prefix in prefixes[:1] if len(prefixes) == 1]
            + [("level", level), ("since", f"{first:%Y-%m-%d}"), ("until", f"{today + timedelta(days=1):%Y-%m-%d}")]
        ),
    }


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


def dashboard_figures(request, prefixes, area):
    today = timezone.localdate()
    firsts = months_back(today, 12)
    since, until = _aware(firsts[0]), _aware(first_of_next_month(firsts[-1]))
    own = level_for_code(prefixes[0]) if len(set(map(len, prefixes))) == 1 else None

    coverage, _failed = coverage_totals(prefixes)
    # The twelve months add up to the period: one statement per area gives trends and headline.
    monthly_rows = [
        row for p in prefixes for row in figures(p, level_for_code(p), since, until, by_month=True, medians=False)
    ]
    trends = []
    for first in firsts:
        key = f"{first:%Y-%m}"
        trends.append({"month": key, **combine([r for r in monthly_rows if r["month"] == key])})
    peak = max((t["received"] for t in trends), default=0) or 1
    for t in trends:
        t["bar"] = round(100 * t["received"] / peak)

    # The month ranked: ?month=YYYY-MM among the twelve, by default the last whole month; or
    # ?quarter=YYYYQn among the last four, to set beside the communities' self-assessments.
    chosen = request.GET.get("month", "")
    month = next((f for f in firsts if f"{f:%Y-%m}" == chosen), firsts[-2])
    from ratings.ranking import Period, recent_quarters

    quarters = recent_quarters(today)
    period = next((q for q in quarters if q.label == request.GET.get("quarter")), Period("month", month))
    rankings = []
    for level in (Level.STREET, Level.COMMUNITY):
        if own is None or CODE_LENGTH[level] > CODE_LENGTH[own]:
            rankings.append(level_ranking(prefixes, level, period, area))

    down = LEVELS_DOWN.get(own)
    children = []
    if down is not None:
        # Every area one level down, with no case or with some. Today's grids: a case of a grid a
        # re-division retired counts in today's grid covering its place (the page says so).
        as_of = today if down == Level.GRID else None
        found = {
            row["code"]: row
            for prefix in prefixes
            for row in figures(prefix, down, since, until, as_of=as_of, medians=False)
        }
        for code, name in Area.objects.filter(level=down, code__regex=rf"^({'|'.join(prefixes)})").values_list(
            "code", "name"
        ):
            children.append({"code": code, "name": name, **combine([found[code]] if code in found else [])})
    # The month's departments (红黑榜): on-time closure of the cases the areas sent them.
    month_start, month_end = _aware(month), _aware(first_of_next_month(month))
    departments = red_and_black(
        [row for p in prefixes for row in loop_figures(p, "department", month_start, month_end)]
    )
    for row in departments["red"] + departments["black"]:
        row["shown"] = {name: None if rate is None else round(100 * rate, 1) for name, rate in row["rates"].items()}
    return {
        "departments": departments,
        "departments_lists": [
            (_("red list: the best"), departments["red"]),
            (_("black list: the worst"), departments["black"]),
        ],
        "participation": participation(prefixes, since, until),
        "party_members": party_members(prefixes, today, firsts[0], down or own or Level.COMMUNITY),
        "coverage": coverage,
        "coverage_shares": {k: _share(coverage[k], coverage["grids"]) for k in ("full", "partial", "none")},
        "open_by_level": open_incidents_by_level(prefixes),
        "headline": combine(monthly_rows),
        "period": (firsts[0], today),
        "trends": trends,
        "months": [f"{f:%Y-%m}" for f in firsts],
        "month": f"{month:%Y-%m}",
        "quarters": [q.label for q in quarters],
        "ranked": period,
        "rankings": rankings,
        "children": children,
        "children_level": Level(down).label if down else None,
        "children_are_grids": down == Level.GRID,
        "chain": list(reversed(area.chain())) if area is not None else [],
        "is_grid": own == Level.GRID,
    }
