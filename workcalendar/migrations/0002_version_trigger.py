"""Every change to the calendar's tables gives the version row a new number in the same transaction,
so each process sees that its copy of the calendar is stale (workcalendar/calendar.py), whoever made
the change: the admin, the shell, plain SQL or a later migration. The number comes from a sequence,
which a rollback does not take back: a process that read a change later rolled back holds a number
no committed change will ever have again, so it re-reads at its next check."""

from django.db import migrations

BUMP = """
CREATE SEQUENCE workcalendar_version_number;
CREATE FUNCTION workcalendar_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workcalendar_version (id, number) VALUES (1, nextval('workcalendar_version_number'))
    ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number;
    RETURN NULL;
END $$;
CREATE TRIGGER workcalendar_day_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workcalendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION workcalendar_bump_version();
CREATE TRIGGER workcalendar_year_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workcalendar_year
    FOR EACH STATEMENT EXECUTE FUNCTION workcalendar_bump_version();
"""

DROP = """
DROP TRIGGER workcalendar_year_changed ON workcalendar_year;
DROP TRIGGER workcalendar_day_changed ON workcalendar_day;
DROP FUNCTION workcalendar_bump_version();
DROP SEQUENCE workcalendar_version_number;
"""


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_calendar")]

    operations = [migrations.RunSQL(BUMP, DROP)]
