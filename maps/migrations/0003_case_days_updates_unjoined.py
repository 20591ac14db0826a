"""The density map's counts kept (maps.case_days): an update of cases adds each case as it is now and
takes it away as it was, summed by grid and day, instead of joining the statement's old and new rows
by id (a nested loop over the transition tables: the worker's sweep of 159,000 cases ran for more
than 25 minutes). Re-creates the triggers' functions; the table and its rows are unchanged."""

from django.db import migrations

from maps import case_days


class Migration(migrations.Migration):
    dependencies = [("maps", "0002_case_days_kept")]

    operations = [migrations.RunSQL(case_days.functions_sql(), migrations.RunSQL.noop)]
