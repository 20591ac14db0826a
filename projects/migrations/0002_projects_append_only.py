from django.db import migrations

# A project's history, its progress reports with their evidence and the reviewers' verifications are
# never updated or deleted. Purging whole demo or test data (projects.models.purge_projects) says so
# for its own transaction only; so does purging whole cases (incidents.models.purge_incidents), which
# replacing the demo city does in the same transaction as deleting its areas.
APPEND_ONLY = """
CREATE FUNCTION projects_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (current_setting('govgrid.purge_projects', true) = 'on'
                             OR current_setting('govgrid.purge_cases', true) = 'on') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER projects_event_append_only BEFORE UPDATE OR DELETE ON projects_projectevent
    FOR EACH ROW EXECUTE FUNCTION projects_append_only();
CREATE TRIGGER projects_verification_append_only BEFORE UPDATE OR DELETE ON projects_verification
    FOR EACH ROW EXECUTE FUNCTION projects_append_only();
CREATE TRIGGER projects_report_append_only BEFORE UPDATE OR DELETE ON projects_progressreport
    FOR EACH ROW EXECUTE FUNCTION projects_append_only();
CREATE TRIGGER projects_evidence_append_only BEFORE UPDATE OR DELETE ON projects_evidence
    FOR EACH ROW EXECUTE FUNCTION projects_append_only();
"""

REMOVE = """
DROP TRIGGER projects_event_append_only ON projects_projectevent;
DROP TRIGGER projects_verification_append_only ON projects_verification;
DROP TRIGGER projects_report_append_only ON projects_progressreport;
DROP TRIGGER projects_evidence_append_only ON projects_evidence;
DROP FUNCTION projects_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_projects")]
    operations = [migrations.RunSQL(APPEND_ONLY, REMOVE)]
