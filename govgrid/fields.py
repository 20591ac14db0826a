"""API fields that DRF's own would turn into a server error on some input."""

from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, with a time at the very ends of the calendar refused as out of range.

    A time without an offset is read in the site's time zone; DRF then converts it to UTC to check
    it exists there, and 0001-01-01T00:00 in Asia/Shanghai lies before year 1 in UTC: Python raises
    OverflowError, a 500. That time is refused as DRF refuses any other out-of-range one (its
    `overflow` message, naming the field)."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
