"""The months of cases: the partitions of cases and events, and the ids that place a case in one.

A case's id is YYYYMM * MONTH_SPAN + a number, the month being the one its code carries (the day it
was received, in TIME_ZONE): incidents_case_id(day) in SQL gives it, and a case's events sit in the
partition of its id's month whatever day they were written (migration 0016 and docs/partitions.md
say why). Ids below MONTH_SPAN are those of the cases from before partitioning, in the partition
`incidents_incident_before` (where a database had cases when it was migrated).

The worker keeps MONTHS_AHEAD months made ahead (keep_ahead, on each of its sweeps); a month that
is not made refuses its cases, loudly, rather than putting them anywhere else.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

CASES = "incidents_incident"
EVENTS = "incidents_incidentevent"
MONTH_SPAN = 10**10  # the ids of one month (as migration 0016 states it in SQL)
MONTHS_AHEAD = 12  # months made ahead of the current one
LOCK_TIMEOUT = "5s"  # making a month waits this long for the tables, then the next sweep tries again


def month_of(day):
    """The first day of `day`'s month."""
    return date(day.year, day.month, 1)


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def first_id(month):
    """The first id of `month`'s cases."""
    return (month.year * 100 + month.month) * MONTH_SPAN


def month_ids(first, last):
    """Q: the cases whose id is in the months from `first` to `last` (dates), or from before
    partitioning (ids below MONTH_SPAN, which say no month): what lets PostgreSQL read only those
    months' partitions."""
    below = Q(id__lt=first_id(add_months(month_of(last), 1)))
    return below & (Q(id__gte=first_id(month_of(first))) | Q(id__lt=MONTH_SPAN))


def make_months(first, last):
    """Make the partitions of the months from `first` to `last` (dates) that are missing; returns
    how many were made. A month inside the partition from before partitioning is skipped."""
    months = []
    month = month_of(first)
    while month <= month_of(last):
        months.append(month)
        month = add_months(month, 1)
    made = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        for month in months:
            cursor.execute("SELECT incidents_create_month(%s)", [month])
            made += cursor.fetchone()[0]
    return made


def keep_ahead():
    """The worker's job: this month and MONTHS_AHEAD after it have their partitions."""
    this_month = month_of(timezone.localdate())
    return make_months(this_month, add_months(this_month, MONTHS_AHEAD))


def new_case_ids(days):
    """Ids for new cases received on `days` (dates), in order: for writing cases in bulk with the ids
    their codes' days need (the demo history)."""
    if not days:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT incidents_case_id(day) FROM unnest(%s::date[]) WITH ORDINALITY AS d (day, n) ORDER BY n",
            [list(days)],
        )
        return [row[0] for row in cursor.fetchall()]


def partitions():
    """The partitions of cases, oldest first: (table, first id or None, end id), with the events'
    partition of the same range named alike (incidents_incidentevent_<same suffix>)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = %s::regclass
            """,
            [CASES],
        )
        rows = cursor.fetchall()
    found = []
    for table, bound in rows:
        low, high = (part.split(")")[0].strip("' ") for part in bound.split("(")[1:3])
        found.append((table, None if low == "MINVALUE" else int(low), int(high)))
    return sorted(found, key=lambda row: row[2])


def events_partition(cases_partition):
    return EVENTS + cases_partition[len(CASES) :]
