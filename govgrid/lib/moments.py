"""The dates govgrid accepts in a filter: years 1900 to 2999, one rule for every parameter parsed as
a date or a date and time (figures, density, exports).

Python's dates end at years 1 and 9999: a day before 0001-01-01 or after 9999-12-31 cannot be
made, so a filter near those ends overflows as soon as it is moved to another time zone or by a
day (the density page's "until" is the next midnight). No case of govgrid is older than 1900 or
will be later than 2999, so a value outside those years is refused as bad input, naming the field,
before any arithmetic.
"""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def check_within_bounds(value):
    """A validator for form and DRF fields of dates or datetimes (in their own offset)."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.") % {"earliest": EARLIEST, "latest": LATEST},
            code="out_of_range",
        )


class BoundedDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField within govgrid's years. The bound is checked before DRF moves the value
    into the site's time zone, which overflows next to 0001-01-01 and 9999-12-31."""

    def enforce_timezone(self, value):
        check_within_bounds(value)
        return super().enforce_timezone(value)


class BoundedDateField(serializers.DateField):
    """DRF's DateField within govgrid's years."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        check_within_bounds(day)
        return day


def form_moment(value):
    """A page form's date and time (a datetime-local field: the phone's local time, in the site's
    zone) as an aware datetime; None when it is empty, not a date and time, one that cannot be
    (2026-02-30) or outside govgrid's years. The caller says which field was refused."""
    try:
        moment = parse_datetime((value or "").strip())
    except ValueError:
        return None
    if moment is None or not EARLIEST <= moment.date() <= LATEST:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def first_of_next_month(day):
    """The first day of the month after the month of `day`."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def local_day(moment, zone):
    """The local day (in `zone`) that `moment` begins, or None when it is not a local midnight (or not
    an aware datetime): whether a period can be read from what is kept per day."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return None
    local = moment.astimezone(zone)
    return local.date() if local.time() == time.min else None
