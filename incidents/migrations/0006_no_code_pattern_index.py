"""A case's code is only ever looked up whole (its unique index serves that). The pattern-ops index
Django adds beside a unique CharField on PostgreSQL serves LIKE 'prefix%' on code, which govgrid
never runs, and costs every report one more index entry to write."""

from django.db import migrations

LIKE_INDEX = "incidents_incident_code_e0c5565e_like"


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_fewer_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            f"DROP INDEX IF EXISTS {LIKE_INDEX}",
            reverse_sql=f"CREATE INDEX IF NOT EXISTS {LIKE_INDEX} ON incidents_incident (code varchar_pattern_ops)",
        ),
    ]
