"""Throttling without accounts: each request counts against its keys (a device, an address) in fixed
windows, in one shared table (Hit), so the limits hold across every server process. The count is
one upsert statement: two requests at once both count, neither can slip past the limit."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError

from .models import Hit


class Throttled(GovgridError):
    status = 429
    code = "throttled"


# Counts a request unless its key is already at its limit: a refused request is not counted, so one
# phone that keeps trying (or a page retrying) does not hold its address's window shut for longer.
COUNT_SQL = f"""
    INSERT INTO {Hit._meta.db_table} AS hit (key, "window", count) VALUES (%(key)s, %(window)s, 1)
    ON CONFLICT (key, "window") DO UPDATE SET count = hit.count + 1 WHERE hit.count < %(limit)s
    RETURNING count
"""


def window_of(now, minutes):
    """The start of the fixed window of `minutes` holding `now`."""
    seconds = int(minutes * 60)
    epoch = int(now.timestamp())
    return now - timedelta(seconds=epoch % seconds, microseconds=now.microsecond)


def check(limits, minutes, now=None):
    """Count a request against each (key, limit) of `limits`, in order (keys that are empty are
    skipped); at the first key already at its limit, raise Throttled with the seconds until the
    window ends, counting it against no further key."""
    now = now or timezone.now()
    window = window_of(now, minutes)
    with connection.cursor() as cursor:
        for key, limit in limits:
            if not key:
                continue
            cursor.execute(COUNT_SQL, {"key": key, "window": window, "limit": limit})
            if cursor.fetchone() is None:  # at its limit: not counted
                wait = max(1, int((window + timedelta(minutes=minutes) - now).total_seconds()))
                raise Throttled(
                    _("Too many reports from here: please try again in %(minutes)d minutes.")
                    % {"minutes": max(1, round(wait / 60))},
                    retry_after=wait,
                )


def forget_old(now=None, keep_minutes=120):
    """Delete the windows that ended long ago (the worker calls it); returns how many."""
    now = now or timezone.now()
    return Hit.objects.filter(window__lt=now - timedelta(minutes=keep_minutes)).delete()[0]
