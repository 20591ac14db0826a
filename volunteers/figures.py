"""Party members' and volunteers' work in figures (党员服务): per area of a level (grid, community,
street, district) or per work unit of a district, for a period of days [since, until), in ONE
statement per call. Every source is read by its stored foreign keys and grouped by code prefix
(as grids.coverage's rollup), so a level costs the same whether it has 4 rows or 50,000.

| figure                     | what it counts                                               | where |
|----------------------------|--------------------------------------------------------------|-------|
| received                   | service requests asked (`asked_at`) in the period            | R     |
| accepted                   | of those, the ones ever offered (`offered_at` set); refused  | R     |
|                            | ones and those made into a case are not                      |       |
| claimed, completed, rated  | of those received: `claimed_at`, `done_at`, `rating` set     | R     |
| satisfied, satisfaction    | of those rated, a rating of 4 or 5; satisfied / rated        | R     |
| median_hours_to_claim      | of those received, claimed after an offer: claimed − offered | R     |
| median_hours_to_complete   | of those received and done: done − asked                     | R     |
| hours, points              | sums of the ledger rows whose day (`on`) is in the period,   | L     |
|                            | corrections included                                         |       |
| visits_due                 | link-weeks: a household link owes a visit for each ISO week  | V     |
|                            | whose Monday is in the period and which it is in force all   |       |
|                            | of (grids.duty_weeks, the coverage rule's own)               |       |
| visits_done, visits_share  | of the link-weeks due, those with a visit of the link dated  | V     |
|                            | in that week (Monday to Sunday); done / due                  |       |
| analysis_meetings,         | Party meetings held (`held_on`) in the period, of kind       | M     |
| trainings                  | analysis (民情研判), of kind training                         |       |

Where: R, the request's grid, or its community for a request with no grid; L, the ledger row's
grid, else its community, else its district; V, the link's grid; M, the area that held the meeting.

How a row's area is named: its code cut to the level's length. What counts in an area above the
level (a request with no grid, a ledger row of an activity, a community's meeting, at the grid
level) is listed on a row of that area itself, whose `level` says so: a grid-level answer of a
community holds its grids' rows and one row of the community for what has no grid.

Per work unit (`by=work_unit`), inside the same areas: the requests taken by a member of the unit
(their volunteer's work unit now; `received` then counts the requests of the period the unit's
members took), the ledger rows credited to the unit (the row's `work_unit`, kept as it was when
credited), the links of the unit's members (now), and the meetings at least one of its members
attended.

The days of the period are local days; a request's `asked_at` counts from local midnight of `since`
to local midnight of `until`. The API, the CSV export (written by PostgreSQL, every text cell
spreadsheet-safe) and the dashboard's section read the same statement, so they always agree.
"""

from datetime import datetime, time

from django.db import connection
from django.utils import timezone

from govgrid.lib.spreadsheet import safe_cell_sql
from grids.duty_weeks import first_monday_sql, link_week_counts_sql, mondays_sql, period_weeks_sql
from grids.models import (
    CODE_LENGTH,
    Area,
    CommunityWeek,
    DueWeekChange,
    HouseholdLink,
    Level,
    PartyMeeting,
    Person,
    Visit,
    WorkUnit,
)
from grids.models.areas import under_codes_sql
from grids.visited_weeks import DUE_LENGTHS

from .models import LedgerEntry, ServiceRequest

COUNTS = (
    "received",
    "accepted",
    "claimed",
    "completed",
    "rated",
    "satisfied",
    "visits_due",
    "visits_done",
    "analysis_meetings",
    "trainings",
)
SUMS = ("hours", "points")
MEDIANS = ("median_hours_to_claim", "median_hours_to_complete")
SHARES = ("satisfaction", "visits_share")
FIGURES = (*COUNTS, *SUMS, *MEDIANS, *SHARES)
SATISFIED_FROM = 4  # a rating of 4 or 5 is satisfied, as for cases and consultations


_SINCE, _UNTIL = "%(since)s::date", "%(until)s::date"


def visits_due_and_done_sql(links="links"):
    """The weekly visits' rule (grids.duty_weeks) counted per link over the period [%(since)s,
    %(until)s): link_id, grid_id, person_id, due, done."""
    return link_week_counts_sql(links, Visit._meta.db_table, _SINCE, _UNTIL)


class _Grouping:
    """How the statement's sources name their group: a code prefix of an area (`length` digits; 0
    for one row of everything), or the work unit."""

    def __init__(self, length=None):
        self.length = length

    @property
    def by_unit(self):
        return self.length is None

    @property
    def one_row(self):
        return self.length == 0

    def key(self, code, unit):
        if self.by_unit:
            return unit
        return "''" if self.one_row else f"left({code}, %(length)s)"


# Each source's columns, typed, so that the union's columns match whichever source comes first.
_EMPTY = (
    {name: "NULL::bigint" for name in COUNTS}
    | {name: "NULL::numeric" for name in SUMS}
    | {name: "NULL::float8" for name in MEDIANS}
)
_AREA, _PERSON = Area._meta.db_table, Person._meta.db_table


class _Statement:
    """The figures' statement under `prefixes` grouped by `grouping`: one grouped SELECT per source
    (requests, ledger, visits, meetings), each giving its own columns of FIGURES and NULL for the
    others, added up per key. `sql(cell)` gives (SQL, params); `cell` wraps each text column (the
    CSV's spreadsheet-safe cells)."""

    def __init__(self, grouping, prefixes, kept=True):
        self.grouping, self.prefixes, self.params = grouping, prefixes, {}
        # the visits due and done from the weeks kept (grids.visited_weeks) at the level of the
        # grouping or, for one row, of the prefixes (a district's, a street's or a community's);
        # a grid's and a work unit's from the links and visits themselves
        self.kept_length = None
        if kept and not grouping.by_unit:
            length = max([0 if grouping.one_row else grouping.length, *map(len, prefixes)])
            self.kept_length = length if length in DUE_LENGTHS else None
        self.kept_weeks = self.kept_length is not None

    def under(self, column, name):
        text, values = under_codes_sql(column, self.prefixes, name)
        self.params.update(values)
        return text

    def key(self, code, unit):
        return self.grouping.key(code, unit)

    def person_join(self, column):
        return f"JOIN {_PERSON} p ON p.id = {column}" if self.grouping.by_unit else ""

    @staticmethod
    def columns(**given):
        return ", ".join(f"{given.get(name, empty)} AS {name}" for name, empty in _EMPTY.items())

    def requests(self):
        code = "coalesce(g.code, c.code)"  # the request's grid, else its community
        figures = self.columns(
            received="count(*)",
            accepted="count(*) FILTER (WHERE r.offered_at IS NOT NULL)",
            claimed="count(*) FILTER (WHERE r.claimed_at IS NOT NULL)",
            completed="count(*) FILTER (WHERE r.done_at IS NOT NULL)",
            rated="count(r.rating)",
            satisfied=f"count(*) FILTER (WHERE r.rating >= {SATISFIED_FROM})",
            median_hours_to_claim="percentile_cont(0.5) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM r.claimed_at - r.offered_at) / 3600)",
            median_hours_to_complete="percentile_cont(0.5) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM r.done_at - r.asked_at) / 3600)",
        )
        return f"""
    SELECT {self.key(code, "p.work_unit_id")} AS key, {figures}
    FROM {ServiceRequest._meta.db_table} r
    JOIN {_AREA} c ON c.id = r.community_id
    LEFT JOIN {_AREA} g ON g.id = r.grid_id
    {self.person_join("r.volunteer_id")}
    WHERE r.asked_at >= %(since_at)s AND r.asked_at < %(until_at)s AND {self.under(code, "r")}
    GROUP BY 1"""

    def ledger(self):
        code = "coalesce(g.code, c.code, d.code)"  # the row's grid, else its community, else its district
        return f"""
    SELECT {self.key(code, "l.work_unit_id")} AS key, {self.columns(hours="sum(l.hours)", points="sum(l.points)")}
    FROM {LedgerEntry._meta.db_table} l
    JOIN {_AREA} d ON d.id = l.district_id
    LEFT JOIN {_AREA} c ON c.id = l.community_id
    LEFT JOIN {_AREA} g ON g.id = l.grid_id
    WHERE l.on >= %(since)s AND l.on < %(until)s AND {self.under(code, "l")}
    GROUP BY 1"""

    def links(self):
        return f"""SELECT h.id, h.grid_id, h.person_id, h.starts_on, h.ends_on
    FROM {HouseholdLink._meta.db_table} h JOIN {_AREA} g ON g.id = h.grid_id WHERE {self.under("g.code", "h")}"""

    def visits(self):
        figures = self.columns(visits_due="sum(w.due)", visits_done="sum(w.done)")
        # one row of everything names no area: no look-up of each link's grid (282,000 of them in a
        # district of 50,000 grids, 0.1 s of the dashboard)
        area = "" if self.grouping.one_row else f"JOIN {_AREA} g ON g.id = w.grid_id"
        return f"""
    SELECT {self.key("g.code", "p.work_unit_id")} AS key, {figures}
    FROM link_weeks w {area}
    {self.person_join("w.person_id")}
    WHERE w.due > 0
    GROUP BY 1"""

    def kept_visits(self):
        """The visits' columns from the weeks kept (grids.visited_weeks): the weeks due from the
        changes kept at the level of the grouping (or of the prefixes, for one row), each times the
        period's weeks from its Monday on; the weeks done from the communities' weeks. Rows with
        some week due only, as visits() gives them."""
        length = self.kept_length
        first, until = first_monday_sql(_SINCE), _UNTIL
        due = f"sum(c.change * {mondays_sql(f'greatest({first}, c.monday)', until)})"
        return f"""
    SELECT {self.key("c.code", None)} AS key, {self.columns(visits_due=due)}
    FROM {DueWeekChange._meta.db_table} c
    WHERE c.length = {length} AND c.change <> 0 AND c.monday < {until} AND {self.under("c.code", "c")}
    GROUP BY 1 HAVING {due} > 0
    UNION ALL
    SELECT {self.key("k.community_code", None)} AS key, {self.columns(visits_done="sum(k.done)")}
    FROM {CommunityWeek._meta.db_table} k
    WHERE k.done <> 0 AND {period_weeks_sql("k.monday", _SINCE, until)} AND {self.under("k.community_code", "k")}
    GROUP BY 1"""

    def meetings(self):
        held = f"m.held_on >= %(since)s AND m.held_on < %(until)s AND {self.under('a.code', 'm')}"
        meetings = f"{PartyMeeting._meta.db_table} m JOIN {_AREA} a ON a.id = m.area_id"
        if self.grouping.by_unit:  # a meeting counts once for each unit whose members attended it
            attended = PartyMeeting.attendees.through._meta.db_table
            source = f"""(SELECT DISTINCT m.id, m.kind, p.work_unit_id
            FROM {meetings} JOIN {attended} t ON t.partymeeting_id = m.id JOIN {_PERSON} p ON p.id = t.person_id
            WHERE {held}) m"""
            key = "m.work_unit_id"
        else:
            source, key = f"{meetings} WHERE {held}", self.key("a.code", None)
        figures = self.columns(
            analysis_meetings=f"count(*) FILTER (WHERE m.kind = '{PartyMeeting.Kind.ANALYSIS}')",
            trainings=f"count(*) FILTER (WHERE m.kind = '{PartyMeeting.Kind.TRAINING}')",
        )
        return f"""
    SELECT {key} AS key, {figures}
    FROM {source}
    GROUP BY 1"""

    @staticmethod
    def totals():
        def total(name):
            return f"coalesce(sum(t.{name}), 0)"

        figures = [f"{total(name)}::int AS {name}" for name in COUNTS]
        figures += [f"round({total(name)}, 2)::float AS {name}" for name in SUMS]
        figures += [f"round(max(t.{name})::numeric, 2)::float AS {name}" for name in MEDIANS]
        figures += [
            f"round({total('satisfied')}::numeric / nullif({total('rated')}, 0), 4)::float AS satisfaction",
            f"round({total('visits_done')}::numeric / nullif({total('visits_due')}, 0), 4)::float AS visits_share",
        ]
        return ",\n       ".join(figures)  # numbers: no cell of theirs can be a formula

    def named(self, cell):
        """The columns that name a row, the joins that find them, the grouping and the order."""

        def text(column):
            return cell(f"coalesce({column}, '')")

        if self.grouping.by_unit:
            # what no member of a unit did (a volunteer or a member without one) has no row
            return (
                f"u.id AS work_unit, {text('u.name')} AS name, {text('ud.code')} AS district",
                f"LEFT JOIN {WorkUnit._meta.db_table} u ON u.id = t.key "
                f"LEFT JOIN {_AREA} ud ON ud.id = u.district_id WHERE t.key IS NOT NULL",
                "u.id, u.name, ud.code",
                "u.id",
            )
        return (
            f"{cell('t.key')} AS code, {text('a.name')} AS name, {text('a.level')} AS level",
            f"LEFT JOIN {_AREA} a ON a.code = t.key",
            "t.key, a.name, a.level",
            "t.key",
        )

    def sql(self, cell):
        named, joined, grouped, order = self.named(cell)
        if self.kept_weeks:
            links, visits = "", self.kept_visits()
        else:
            links = f"""links AS MATERIALIZED ({self.links()}),
link_weeks AS ({visits_due_and_done_sql("links")}),
"""
            visits = self.visits()
        sql = f"""
WITH {links}t AS ({self.requests()}
    UNION ALL {self.ledger()}
    UNION ALL {visits}
    UNION ALL {self.meetings()}
)
SELECT {named},
       {self.totals()}
FROM t {joined}
GROUP BY {grouped}
ORDER BY {order}"""
        return sql, self.params


def _statement(grouping, prefixes, cell=None, kept=True):
    return _Statement(grouping, prefixes, kept).sql(cell or _plain)


def _plain(expression, numeric=False):
    return expression


def _params(grouping, since, until):
    zone = timezone.get_current_timezone()
    values = {
        "since": since,
        "until": until,
        "since_at": datetime.combine(since, time.min, zone),
        "until_at": datetime.combine(until, time.min, zone),
    }
    if not grouping.by_unit:
        values["length"] = grouping.length
    return values


def _grouping(level):
    return _Grouping() if level == "work_unit" else _Grouping(CODE_LENGTH[Level(level)])


def _rows(grouping, prefixes, since, until, kept=True):
    sql, params = _statement(grouping, prefixes, cell=_plain, kept=kept)
    with connection.cursor() as cursor:
        cursor.execute(sql, params | _params(grouping, since, until))
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def volunteer_figures(prefixes, level, since, until, kept=True):
    """One row per area of `level` (a grid, community, street or district; or "work_unit": one row
    per work unit) with anything to count under the code `prefixes`, for the days [since, until):
    its code, name and level (work_unit, name and district for a work unit) and FIGURES. The visits
    due and done of a community or above come from the weeks kept (grids.visited_weeks) unless not
    `kept` (counted from the links and visits: the same figures, to check them)."""
    return _rows(_grouping(level), prefixes, since, until, kept)


def volunteer_figures_csv(out, prefixes, level, since, until):
    """The same rows as CSV with a header, written by PostgreSQL into the text file `out`."""
    grouping = _grouping(level)
    sql, params = _statement(grouping, prefixes, cell=safe_cell_sql)
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params | _params(grouping, since, until)).decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", out)


def volunteer_totals(prefixes, since, until, kept=True):
    """FIGURES for everything under `prefixes` together (the dashboard's section): one row, zeros
    and None when there is nothing to count."""
    rows = _rows(_Grouping(0), prefixes, since, until, kept)
    if rows:
        return {name: rows[0][name] for name in FIGURES}
    return {name: 0 for name in (*COUNTS, *SUMS)} | {name: None for name in (*MEDIANS, *SHARES)}


def meetings_held(prefixes, since, until):
    """The analysis meetings and trainings held under `prefixes` in the days [since, until): the
    statement's own meetings part alone (the dashboard's last month, which needs nothing else)."""
    grouping = _Grouping(0)
    statement = _Statement(grouping, prefixes)
    meetings = statement.meetings()
    sql = f"SELECT coalesce(sum(analysis_meetings), 0)::int, coalesce(sum(trainings), 0)::int FROM ({meetings}) t"
    with connection.cursor() as cursor:
        cursor.execute(sql, statement.params | _params(grouping, since, until))
        analysis_meetings, trainings = cursor.fetchone()
    return {"analysis_meetings": analysis_meetings, "trainings": trainings}
