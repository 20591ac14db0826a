"""The weekly visit's rule (三个一's 每周走访), once: which link-weeks are due, and which are done.

A link-week is one household link in one ISO week (Monday to Sunday).
- It is due when the link is in force on every day of the week (on its Monday and on its Sunday:
  a link runs without gaps between its two dates). A link taken up or given up in the middle of a
  week owes nothing that week; the member had no full week to make the visit in.
- It is done when it is due and a visit of that link was recorded on a day of that week.

`link_weeks_sql` renders the rule for hand-written statements (the coverage rule `visits`, the
figures of visits due); `week_is_due` and `week_is_done` are its Python twins (a member's own
weeks, the tests). tests/grids/test_coverage_duties.py holds the two renderings to the same answers.
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
    `weeks` weeks from `first_monday` (SQL text: parameters such as "%(first)s" or literals).

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
        SELECT DISTINCT link_id, visited_on - (extract(isodow FROM visited_on)::int - 1) AS week
        FROM grids_visit
        WHERE link_id IN (SELECT id FROM h) AND visited_on >= {first_monday}::date AND visited_on <= {last_sunday}
    )
    SELECT h.id AS link_id, h.grid_id, h.person_id, w.week, w.due, w.due AND v.link_id IS NOT NULL AS done
    FROM h
    CROSS JOIN LATERAL (
        SELECT week, {in_force_sql("h", "week")} AND {in_force_sql("h", "(week + 6)")} AS due
        FROM (SELECT {first_monday}::date + 7 * i AS week FROM generate_series(0, {weeks} - 1) i) weeks
    ) w
    LEFT JOIN visited v ON v.link_id = h.id AND v.week = w.week
    """
