"""The figures read from the kept sums (aggregates.sql: the folded ones, per month for the whole
months of the period and per day for the rest, and the deltas not folded yet) instead of the
cases: the same rows as incidents.figures' statement, for the district, street and community
levels and periods made of whole local days. The sums hold all but what depends on the present:
the open cases past their due time are counted live from their kept facts (few rows, through a
partial index), and the median time to close, when asked, from the closed cases' kept facts."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from govgrid.lib.moments import first_of_next_month, local_day
from incidents.figures import late_sql

from .sql import LEVELS, SUMS

LENGTHS = dict(LEVELS)


def _summed(table, since, until):
    """The rows of a table of sums (aggregates_areaday, _areamonth or _areadaydelta) of the level's
    areas under the prefix whose `day` is in [since, until) (the names of two parameters)."""
    return f"""SELECT area_code, day, {", ".join(SUMS)} FROM {table}
    WHERE level = %(level)s AND area_code LIKE %(prefix)s AND day >= %({since})s AND day < %({until})s"""


def _folded(since, until):
    """The folded sums of the days [since, until) as SQL and the days its parameters name: the whole
    months inside from aggregates_areamonth (a row per area and month, `day` its first day), the days
    before and after them from aggregates_areaday."""
    months = since if since.day == 1 else first_of_next_month(since), until.replace(day=1)
    if months[0] >= months[1]:  # no whole month
        return _summed("aggregates_areaday", "since", "until"), {}
    parts = [_summed("aggregates_areamonth", "months_from", "months_until")]
    if since < months[0]:
        parts.append(_summed("aggregates_areaday", "since", "months_from"))
    if months[1] < until:
        parts.append(_summed("aggregates_areaday", "months_until", "until"))
    return " UNION ALL ".join(parts), {"months_from": months[0], "months_until": months[1]}


# the folded sums and the deltas not folded yet, in one statement: one snapshot sees each delta in
# exactly one place, its table or the sums (aggregates.sql.fold moves them in one commit). A month's
# row is labelled by its first day, so {period} names its month as it names the days'.
_KEPT_SQL = """
WITH kept AS (
    SELECT area_code, {period} AS month, {sums}
    FROM ({folded} UNION ALL {deltas}) summed
    GROUP BY area_code, month
), late_now AS (
    -- open cases that have not missed a deadline for good but are past their due time now
    SELECT left(grid_code, %(length)s) AS area_code, {period} AS month, count(*) AS late
    FROM aggregates_casefact
    WHERE open_due IS NOT NULL AND NOT late_for_good AND {late}
      AND grid_code LIKE %(prefix)s AND day >= %(since)s AND day < %(until)s
    GROUP BY 1, 2
), medians AS (
    SELECT left(grid_code, %(length)s) AS area_code, {period} AS month,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_close / 3600) AS median
    FROM aggregates_casefact
    WHERE %(medians)s AND seconds_to_close IS NOT NULL
      AND grid_code LIKE %(prefix)s AND day >= %(since)s AND day < %(until)s
    GROUP BY 1, 2
)
SELECT a.code, a.name, a.valid_from, a.valid_to, k.month,
       k.received, k.closed, k.closed_in_grid, k.closed_in_community, k.closed_at_street, k.resolved,
       k.resolved_on_time, k.late_for_good + coalesce(l.late, 0) AS late,
       k.seconds / nullif(k.timed, 0) / 3600 AS mean_hours_to_close,
       m.median AS median_hours_to_close,
       k.rated, k.rating_sum::numeric / nullif(k.rating_n, 0) AS mean_rating, k.satisfied
FROM kept k JOIN grids_area a ON a.code = k.area_code
LEFT JOIN late_now l ON l.area_code = k.area_code AND l.month = k.month
LEFT JOIN medians m ON m.area_code = k.area_code AND m.month = k.month
WHERE k.received > 0
ORDER BY a.code, k.month
"""


def _built_for(time_zone):
    with connection.cursor() as cursor:
        cursor.execute("SELECT time_zone FROM aggregates_state WHERE id = 1")
        row = cursor.fetchone()
    return row is not None and row[0] == time_zone


def covers(prefix, level, since, until):
    """(first day, day after the last) when the kept sums answer for these areas and period, else None."""
    length = LENGTHS.get(str(level))
    if length is None or len(prefix) > length:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    days = local_day(since, zone), local_day(until, zone)
    if None in days or not _built_for(settings.TIME_ZONE):
        return None
    return days


def kept_figures(prefix, level, since, until, by_month=False, now=None, medians=True):
    """incidents.figures' rows (before shares and rounding) from the kept sums, or None when they
    do not cover the question (another level, a period not made of whole local days, not built)."""
    days = covers(prefix, level, since, until)
    if days is None:
        return None
    period = "to_char(day, 'YYYY-MM')" if by_month else "''"  # '': one period (figures() drops it)
    folded, months = _folded(*days)
    statement = _KEPT_SQL.format(
        period=period,
        sums=", ".join(f"sum({name}) AS {name}" for name in SUMS),
        folded=folded,
        deltas=_summed("aggregates_areadaydelta", "since", "until"),
        late=late_sql("%(now)s"),
    )
    params = months | {
        "level": str(level),
        "length": LENGTHS[str(level)],
        "prefix": prefix + "%",
        "since": days[0],
        "until": days[1],
        "now": now or timezone.now(),
        "medians": medians,
    }
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
