from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION incidents_event_append_only() RETURNS trigger AS $$
BEGIN
    -- incidents.services.purge_cases removes whole cases and says so for its transaction only.
    IF TG_OP = 'DELETE' AND current_setting('govgrid.purge_cases', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'incident events are append-only: % refused', TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_event_append_only BEFORE UPDATE OR DELETE ON incidents_incidentevent
    FOR EACH ROW EXECUTE FUNCTION incidents_event_append_only();
"""

REMOVE = """
DROP TRIGGER incidents_event_append_only ON incidents_incidentevent;
DROP FUNCTION incidents_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_workflow")]
    operations = [migrations.RunSQL(APPEND_ONLY, REMOVE)]
