"""Each grid's cases received through each day of a year, kept by the database (maps.case_days):
the table, the statement triggers on cases that keep it, and its first fill."""

from django.db import migrations

from maps import case_days


class Migration(migrations.Migration):
    dependencies = [("maps", "0001_grid_neighbours_pages50k"), ("incidents", "0018_received_index_pages50k")]

    operations = [migrations.RunSQL(case_days.install_sql(), case_days.uninstall_sql())]
