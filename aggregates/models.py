"""The leaders' figures kept as the cases change (see aggregates.sql): each case's facts that do not
depend on the present (CaseFact), and their sums per area and day received (AreaDay, with the
AreaDayDelta rows not folded into it yet, and per month in AreaMonth) for the district, the streets
and the communities.
Written only by the database's triggers, the worker's fold and the full rebuild; no foreign keys,
so that a case's facts outlive its row until the trigger has taken them out of the sums."""

from django.db import models


class State(models.Model):
    """One row once the aggregates are built: the time zone their days are in. No row: the figures
    are counted from the cases, and the triggers keep nothing."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    time_zone = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    def __str__(self):
        return f"aggregates in {self.time_zone}, built {self.built_at:%Y-%m-%d %H:%M}"


class CaseFact(models.Model):
    """One case that counts in the figures (not rejected): the columns of incidents.figures'
    `facts` (case_facts_sql) that the sums and the live part are made of."""

    incident_id = models.BigIntegerField(primary_key=True)
    grid_code = models.CharField(max_length=15)
    day = models.DateField()  # received, local time (State.time_zone)
    category_id = models.BigIntegerField()
    status = models.CharField(max_length=12)
    level = models.CharField(max_length=10)
    seconds_to_close = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    on_time = models.BooleanField()
    late_for_good = models.BooleanField()
    open_due = models.DateTimeField(null=True)  # open: late once the present passes it
    word = models.BooleanField(null=True)
    resident_rating = models.SmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["grid_code", "day"], name="casefact_grid_day", opclasses=["varchar_pattern_ops", "date_ops"]
            ),
            # the open cases not late for good, with what the reader groups them by: read from the
            # index alone (about 12,000 rows at 2,000,000 cases: 156 ms read from the table, 19 ms not)
            models.Index(
                fields=["open_due"],
                name="casefact_open_due",
                condition=models.Q(open_due__isnull=False, late_for_good=False),
                include=["grid_code", "day", "late_for_good"],
            ),
        ]

    def __str__(self):
        return f"facts of case {self.incident_id}"


class DaySums(models.Model):
    """The sums of the facts of the cases received in one area (district, street or community) on one
    day: the columns aggregates.sql.SUMS fills."""

    level = models.CharField(max_length=10)
    area_code = models.CharField(max_length=12)
    day = models.DateField()
    received = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_in_grid = models.IntegerField(default=0)
    closed_in_community = models.IntegerField(default=0)
    closed_at_street = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    late_for_good = models.IntegerField(default=0)
    timed = models.IntegerField(default=0)  # closed cases with a time to close
    seconds = models.DecimalField(max_digits=30, decimal_places=6, default=0)  # their sum
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    rating_n = models.IntegerField(default=0)  # residents' ratings
    rating_sum = models.IntegerField(default=0)

    class Meta:
        abstract = True
        indexes = [
            # what readers ask: a level's areas under a code prefix, over a span of days
            models.Index(
                fields=["level", "area_code", "day"],
                name="%(class)s_level_code_day",
                opclasses=["text_ops", "varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.area_code} {self.day}"


class FoldedSums(DaySums):
    """Sums the fold writes: one row per area and `day`."""

    class Meta(DaySums.Meta):
        abstract = True
        constraints = [models.UniqueConstraint(fields=["level", "area_code", "day"], name="%(class)s_key")]


class AreaDay(FoldedSums):
    """The folded sums: one row per area and day, written only by the worker's fold (and a rebuild),
    so that no writer of cases waits for another on a shared row."""


class AreaDayDelta(DaySums):
    """What one statement's cases added to the sums of their areas and day (signed), appended by the
    triggers and never updated: concurrent writers only insert. The worker folds them into AreaDay;
    readers add the ones not folded yet, so the figures are exact at every moment."""


class AreaMonth(FoldedSums):
    """The folded sums per area and month, `day` being the month's first day: written with AreaDay by
    the worker's fold and a rebuild, from the same deltas, so that a period of whole months reads a
    row per area and month (a month's ranking of a district's 4,475 communities: 4,475 rows instead
    of 134,000) and only its partial months day by day."""
