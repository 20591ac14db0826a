"""The weekly visit's rule (三个一's 每周走访), once: which link-weeks are due, and which are done.

A link-week is one household link in one ISO week (Monday to Sunday).
- It is due when the link is in force on every day of the week (on its Monday and on its Sunday:
  a link runs without gaps between its two dates). A link taken up or given up in the middle of a
  week owes nothing that week; the member had no full week to make the visit in.
- It is done when it is due and a visit of that link was recorded on a day of that week.

Three renderings, one rule: `week_is_due` and `week_is_done` in Python (a member's own weeks, the
tests); `link_weeks_sql`, a row per link and week (the coverage rule `visits`, a member's weeks);
`link_week_counts_sql`, a row per link with how many of a period's weeks are due and done, counted
by arithmetic on the link's dates (the figures over a year, where a row per link and week would be
millions). tests/grids/test_coverage_duties.py and tests/volunteers/test_figures.py hold them to
the same answers.
"""

from datetime import date, timedelta

from .models.people import in_force_sql

WEEK = timedelta(days=7)


def monday_of(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def iso_week(monday: date) -> str:
    """The ISO week's name, e.g. 2026-W49."""
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_back(today: date, count: int, *, include_current: bool) -> list:
    """The Mondays of `count` weeks ending with the current week (include_current) or with the
    last full week before it, oldest first."""
    last = monday_of(today) if include_current else monday_of(today) - WEEK
    return [last - WEEK * n for n in range(count - 1, -1, -1)]


def week_is_due(starts_on: date, ends_on: date | None, monday: date) -> bool:
    """Whether a link with these dates owes a visit in the week starting `monday`: in force on its
    Monday and on its Sunday (in_force: from its first day until the day before its end)."""
    sunday = monday + timedelta(days=6)
    return all(starts_on <= day and (ends_on is None or ends_on > day) for day in (monday, sunday))


def week_is_done(starts_on: date, ends_on: date | None, monday: date, visited_on) -> bool:
    """Whether the week is due and one of the days in `visited_on` (the link's visits) falls in it."""
    return week_is_due(starts_on, ends_on, monday) and any(monday <= day < monday + WEEK for day in visited_on)


def link_weeks_sql(links, first_monday, weeks):
    """A SELECT of the link-weeks of the household links that `links` selects (a SELECT
    of grids_householdlink rows with at least id, grid_id, person_id, starts_on, ends_on) over
    `weeks` weeks from `first_monday` (SQL text: parameters such as "%(first)s" or literals), for
    a statement run with parameters (its modulo is written %%).

    Columns: link_id, grid_id, person_id, week (the Monday, a date), due, done. Only the links in
    force some day of the weeks appear (each with every week of the span); `done` holds only for
    a due week."""
    last_sunday = f"({first_monday}::date + 7 * {weeks} - 1)"
    # The visits of the span are read once, by link and week, and joined: no probe per link-week.
    return f"""
    WITH h AS (
        SELECT * FROM ({links}) l
        WHERE l.starts_on <= {last_sunday} AND (l.ends_on IS NULL OR l.ends_on > {first_monday}::date)
    ), visited AS (
        SELECT DISTINCT link_id, {_monday_of_sql("visited_on")} AS week
        FROM grids_visit
        WHERE link_id IN (SELECT id FROM h) AND visited_on >= {first_monday}::date AND visited_on <= {last_sunday}
    )
    SELECT h.id AS link_id, h.grid_id, h.person_id, w.week, w.due, w.due AND v.link_id IS NOT NULL AS done
    FROM h
    CROSS JOIN LATERAL (
        SELECT week, {week_is_due_sql("h", "week")} AS due
        FROM (SELECT {first_monday}::date + 7 * i AS week FROM generate_series(0, {weeks} - 1) i) weeks
    ) w
    LEFT JOIN visited v ON v.link_id = h.id AND v.week = w.week
    """


# A Monday: 1900-01-01 was one. Day numbers from it make weekdays integer arithmetic: over the
# 282,000 links of a 50,000-grid district, 17 ms against 73 ms with extract(isodow) and date_trunc.
_MONDAY = "date '1900-01-01'"


def _monday_of_sql(day):
    """SQL: the Monday of the ISO week of the date `day` (monday_of; its modulo written %% as below)."""
    return f"({day} - ({day} - {_MONDAY}) %% 7)"


def _monday_on_or_after(day):
    """SQL: the first Monday on or after the date `day` (SQL text; a day on or after 1900-01-01).
    In a statement run with parameters (its modulo is written %%)."""
    return f"({day} + (7 - ({day} - {_MONDAY}) %% 7) %% 7)"


def week_is_due_sql(link, monday):
    """SQL: week_is_due for the household link aliased `link` and the week of the Monday `monday`
    (a date expression): in force on its Monday and on its Sunday."""
    return f"{in_force_sql(link, monday)} AND {in_force_sql(link, f'({monday} + 6)')}"


def first_due_monday_sql(link):
    """SQL: the first Monday of a week due for the household link aliased `link` (week_is_due): the
    first Monday on or after its first day. The weeks due are the Mondays from this one to before
    first_not_due_monday_sql's (all of them without an end). For a statement run with parameters
    (its modulo is written %%)."""
    return _monday_on_or_after(f"{link}.starts_on")


def first_not_due_monday_sql(link):
    """SQL: the first Monday of a week no longer due for the link aliased `link`, NULL without an
    end: the first Monday on or after its end less six days (a week is due while its Sunday is
    before the end)."""
    return _monday_on_or_after(f"({link}.ends_on - 6)")


def mondays_sql(start, end):
    """SQL: how many Mondays are in [start, end), `start` a Monday (0 when `end` is not after it)."""
    return f"greatest(0, ({end} - {start} + 6) / 7)"


def first_monday_sql(since):
    """SQL: the first Monday of the weeks of a period from `since` (SQL text, e.g.
    "%(since)s::date"): the first Monday on or after it (%% written for a statement with parameters)."""
    return _monday_on_or_after(since)


def period_weeks_sql(monday, since, until):
    """SQL: whether the week of the Monday `monday` is one of the weeks of the period [since, until)
    (SQL text, e.g. "%(since)s::date"): the weeks whose Monday is on or after first_monday_sql's, and
    before `until`. The text is for a statement run with parameters (its modulo is written %%)."""
    return f"({monday} >= {first_monday_sql(since)} AND {monday} < {until})"


def link_week_counts_sql(links, visits, since, until):
    """A SELECT of one row per household link of `links` (a relation or a parenthesised SELECT with
    id, grid_id, person_id, starts_on, ends_on): the weeks of the period [since, until)
    (period_weeks_sql; SQL text, e.g. "%(since)s::date") that it owes a visit for (`due`), and how
    many of those have a visit of it among `visits` (a relation of grids_visit rows) dated in them
    (`done`; 0 without `visits`, for a reader that counts them from the weeks kept,
    grids.visited_weeks).

    A week is due when the link is in force on its Monday and on its Sunday (week_is_due): its
    Monday m has starts_on <= m and, with an end, m + 6 < ends_on. `due` counts those Mondays
    (first_due_monday_sql to first_not_due_monday_sql) in the period's weeks. The text is for a
    statement run with parameters (its modulo is written %%)."""
    first_monday = first_monday_sql(since)
    # the link's Mondays due, from its first due in the period to before its first not due or the
    # period's end
    monday = f"greatest({first_monday}, {first_due_monday_sql('l')})"
    end = f"least({until}, coalesce({first_not_due_monday_sql('l')}, {until}))"
    due = f"{mondays_sql(monday, end)} AS due"
    if visits is None:
        return f"SELECT l.id AS link_id, l.grid_id, l.person_id, {due}, 0 AS done FROM {links} l"
    return f"""
    SELECT l.id AS link_id, l.grid_id, l.person_id, {due}, coalesce(v.done, 0) AS done
    FROM {links} l
    LEFT JOIN (
        SELECT w.link_id, count(*) AS done
        FROM (
            SELECT DISTINCT v.link_id, {_monday_of_sql("v.visited_on")} AS monday, l.starts_on, l.ends_on
            FROM {visits} v JOIN {links} l ON l.id = v.link_id
            WHERE v.visited_on >= {first_monday} AND v.visited_on < {until} + 6
        ) w
        WHERE {period_weeks_sql("w.monday", since, until)}
          AND {week_is_due_sql("w", "w.monday")}
        GROUP BY w.link_id
    ) v ON v.link_id = l.id"""
