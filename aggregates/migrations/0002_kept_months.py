"""The kept sums per area and month (aggregates.models.AreaMonth). A database whose figures are
kept already gets them from the days' sums, under the fold's lock so that no fold moves deltas
meanwhile; a new one (no case yet) has its triggers and first sums made here, from the figures'
present definitions (made again at every migrate and by `rebuild_aggregates`); one whose kept
figures were dropped on purpose (`rebuild_aggregates --drop`) keeps them dropped."""

from django.db import migrations, models

# as aggregates.sql wrote them when the months came (FOLDING_LOCK, MONTHS_FROM_DAYS_SQL)
FILL = """SELECT pg_advisory_xact_lock(hashtext('aggregates_fold'));
INSERT INTO aggregates_areamonth (level, area_code, day, received, closed, closed_in_grid, closed_in_community, closed_at_street, resolved, resolved_on_time, late_for_good, timed, seconds, rated, satisfied, rating_n, rating_sum)
SELECT level, area_code, date_trunc('month', day)::date, sum(received), sum(closed), sum(closed_in_grid), sum(closed_in_community), sum(closed_at_street), sum(resolved), sum(resolved_on_time), sum(late_for_good), sum(timed), sum(seconds), sum(rated), sum(satisfied), sum(rating_n), sum(rating_sum)
FROM aggregates_areaday GROUP BY 1, 2, 3"""


def build(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM aggregates_state), EXISTS (SELECT FROM incidents_incident)")
        kept, cases = cursor.fetchone()
    if kept:
        schema_editor.execute(FILL)
    elif not cases:
        from aggregates.sql import rebuild

        rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("aggregates", "0001_kept_figures_facts"),
    ]

    operations = [
        migrations.CreateModel(
            name="AreaMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.CharField(max_length=10)),
                ("area_code", models.CharField(max_length=12)),
                ("day", models.DateField()),
                ("received", models.IntegerField(default=0)),
                ("closed", models.IntegerField(default=0)),
                ("closed_in_grid", models.IntegerField(default=0)),
                ("closed_in_community", models.IntegerField(default=0)),
                ("closed_at_street", models.IntegerField(default=0)),
                ("resolved", models.IntegerField(default=0)),
                ("resolved_on_time", models.IntegerField(default=0)),
                ("late_for_good", models.IntegerField(default=0)),
                ("timed", models.IntegerField(default=0)),
                ("seconds", models.DecimalField(decimal_places=6, default=0, max_digits=30)),
                ("rated", models.IntegerField(default=0)),
                ("satisfied", models.IntegerField(default=0)),
                ("rating_n", models.IntegerField(default=0)),
                ("rating_sum", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["level", "area_code", "day"],
                        name="areamonth_level_code_day",
                        opclasses=["text_ops", "varchar_pattern_ops", "date_ops"],
                    )
                ],
                "constraints": [models.UniqueConstraint(fields=("level", "area_code", "day"), name="areamonth_key")],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop),
    ]
