from django.db import migrations

from govgrid.lib.append_only import append_only_sql

# A request's steps and the points ledger are never updated or deleted. Purging whole demo or test
# data (volunteers.models.purge) says so for its own transaction only; so does purging whole cases
# (incidents.models.purge_incidents), which takes the requests made into them.
APPEND_ONLY, REMOVE = append_only_sql(
    "volunteers_append_only",
    [("volunteers_step_append_only", "volunteers_requeststep"),
     ("volunteers_ledger_append_only", "volunteers_ledgerentry")],
    purges=["purge_volunteers", "purge_cases"],
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteers")]
    operations = [migrations.RunSQL(APPEND_ONLY, REMOVE)]
