from django.db import migrations

from govgrid.lib.append_only import append_only_sql

# A project's history, its progress reports with their evidence and the reviewers' verifications are
# never updated or deleted. Purging whole demo or test data (projects.models.purge_projects) says so
# for its own transaction only; so does purging whole cases (incidents.models.purge_incidents), which
# replacing the demo city does in the same transaction as deleting its areas.
APPEND_ONLY, REMOVE = append_only_sql(
    "projects_append_only",
    [("projects_event_append_only", "projects_projectevent"),
     ("projects_verification_append_only", "projects_verification"),
     ("projects_report_append_only", "projects_progressreport"),
     ("projects_evidence_append_only", "projects_evidence")],
    purges=["purge_projects", "purge_cases"],
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_projects")]
    operations = [migrations.RunSQL(APPEND_ONLY, REMOVE)]
