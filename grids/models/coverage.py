"""The maintained coverage of each current grid (grids.coverage_table keeps it; grids.coverage's rules
say what it holds) and the one row that says for which day and which rules it was judged."""

from django.contrib.gis.db import models

from .areas import Area


class GridCoverage(models.Model):
    """One current grid's coverage facts, each rule's result and its status: a row of
    grids.coverage.grid_rules, kept by the database's triggers in the transaction that changes what
    the rules read. Deleted with its grid by the database itself (ON DELETE CASCADE, see the
    migration), since re-divisions and imports delete areas in SQL too."""

    grid = models.OneToOneField(
        Area, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="coverage"
    )
    # the grid's own code and name, kept with its results so that a reader needs no other table
    code = models.CharField(max_length=15, null=True)
    name = models.CharField(max_length=100, null=True)
    households = models.IntegerField(null=True)
    has_group_leader = models.BooleanField(null=True)
    group_leader_id = models.BigIntegerField(null=True)
    team_members = models.BigIntegerField(null=True)
    grid_workers = models.BigIntegerField(null=True)
    linked_households = models.BigIntegerField(null=True)
    station_id = models.BigIntegerField(null=True)
    station_name = models.CharField(max_length=100, null=True)
    station_metres = models.FloatField(null=True)
    visit_weeks_due = models.BigIntegerField(null=True)
    visit_weeks_done = models.BigIntegerField(null=True)
    analysis_meetings = models.BigIntegerField(null=True)
    ok_group_leader = models.BooleanField(null=True)
    ok_service_team = models.BooleanField(null=True)
    ok_grid_worker = models.BooleanField(null=True)
    ok_households = models.BooleanField(null=True)
    ok_station = models.BooleanField(null=True)
    ok_visits = models.BooleanField(null=True)
    ok_analysis = models.BooleanField(null=True)
    passed = models.IntegerField(null=True)
    counted = models.IntegerField(null=True)
    status = models.CharField(max_length=8, null=True)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "grid coverage"
        # prefix matches (code LIKE '411381001%'), as on grids_area
        indexes = [models.Index(fields=["code"], name="gridcoverage_code", opclasses=["varchar_pattern_ops"])]


class CoverageState(models.Model):
    """The table's state (row 1): whether it is built (`ready`), the day its rules were judged on
    and that day's dates of the duty rules, and the fingerprint of the rules and thresholds that its
    judging function was made from; the readers use the table only while these are the settings'
    and today's or yesterday's (grids.coverage_table.serves). While a rebuild is under way, row 2
    holds the same of the rebuild (its `ready` unused); its last step makes them row 1's."""

    ready = models.BooleanField(default=False)
    judged_on = models.DateField()
    visit_from = models.DateField()
    analysis_from = models.DateField()
    analysis_until = models.DateField()
    fingerprint = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = "coverage state"


class CoveragePending(models.Model):
    """A grid changed while the table was being judged again (or left alone for a bulk load): the
    writer's trigger notes it here, and the rebuild judges these grids again at its end
    (grids.coverage_table.rebuild)."""

    grid_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = "coverage pending"
