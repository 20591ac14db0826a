"""Fixtures of the aggregates' tests: the kept figures built in the test's transaction, and a
comparison of every question the kept sums answer with the figures counted from the cases."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from aggregates.read import kept_figures
from aggregates.sql import rebuild
from govgrid.lib.moments import first_of_next_month
from grids.models import CODE_LENGTH, Area, Level
from incidents.figures import figures, set_based_figures
from tests.incidents.conftest import clock  # noqa: F401  (the controlled clock of intake and the workflow)

KEPT_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


@pytest.fixture
def kept(db):
    """The aggregates built (from whatever cases there are) in the test's transaction: from here
    on the triggers keep them."""
    rebuild()


def local_midnight(day):
    return datetime.combine(day, time.min, ZoneInfo(settings.TIME_ZONE))


def questions(district_code, first_day, last_day, nows):
    """(prefix, level, since, until, now) for every area over the district down to the communities,
    at each level at or below it, over the whole period, over a slice of it and over the whole
    months that hold it (the kept months' sums alone), at each `now`."""
    whole = local_midnight(first_day - timedelta(days=1)), local_midnight(last_day + timedelta(days=2))
    middle = first_day + (last_day - first_day) / 3
    part = local_midnight(middle), local_midnight(middle + timedelta(days=9))
    months = local_midnight(first_day.replace(day=1)), local_midnight(first_of_next_month(last_day))
    areas = Area.objects.filter(code__startswith=district_code, level__in=KEPT_LEVELS).values_list("code", "level")
    for code, own in areas:
        for level in KEPT_LEVELS:
            if CODE_LENGTH[level] >= CODE_LENGTH[own]:
                for since, until in (whole, part, months):
                    for now in nows:
                        yield code, level, since, until, now


def assert_kept_equal_counted(district_code, first_day, last_day, nows):
    """figures() read from the kept sums equals the figures counted from the cases, row for row and
    number for number (by area and by month), for every question; returns how many rows compared."""
    compared = 0
    for prefix, level, since, until, now in questions(district_code, first_day, last_day, nows):
        for by_month in (False, True):
            assert kept_figures(prefix, level, since, until, by_month=by_month, now=now) is not None
            read = figures(prefix, level, since, until, by_month=by_month, now=now)
            counted = set_based_figures(prefix, level, since, until, by_month=by_month, now=now)
            assert read == counted, (prefix, level, since, until, now, by_month)
            compared += len(read)
    return compared
