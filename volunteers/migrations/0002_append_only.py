from django.db import migrations

# A request's steps and the points ledger are never updated or deleted. Purging whole demo or test
# data (volunteers.models.purge) says so for its own transaction only; so does purging whole cases
# (incidents.models.purge_incidents), which takes the requests made into them.
APPEND_ONLY = """
CREATE FUNCTION volunteers_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (current_setting('govgrid.purge_volunteers', true) = 'on'
                             OR current_setting('govgrid.purge_cases', true) = 'on') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_step_append_only BEFORE UPDATE OR DELETE ON volunteers_requeststep
    FOR EACH ROW EXECUTE FUNCTION volunteers_append_only();
CREATE TRIGGER volunteers_ledger_append_only BEFORE UPDATE OR DELETE ON volunteers_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION volunteers_append_only();
"""

REMOVE = """
DROP TRIGGER volunteers_step_append_only ON volunteers_requeststep;
DROP TRIGGER volunteers_ledger_append_only ON volunteers_ledgerentry;
DROP FUNCTION volunteers_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteers")]
    operations = [migrations.RunSQL(APPEND_ONLY, REMOVE)]
