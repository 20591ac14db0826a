"""Cases and their events partitioned by month, converted in place (docs/partitions.md says why so).

A case's id carries its month: YYYYMM * 10^10 + a number (incidents_case_id), so the cases are
partitioned by RANGE (id), `id` alone stays the primary key every foreign key references, and a month
is a range of ids. Events are partitioned by RANGE (incident_id) on the same bounds, so a case and all
its events, whenever they were written, sit in the partitions of the case's month.

Unique rules that a partitioned table cannot hold as one index:
- code: unique in each partition, and a CHECK ties the code's month to the id's month (a code carries
  its day: 411381-20261122-0007), so two equal codes would be in one partition;
- client_id: a small unpartitioned table (incidents_clientid, client_id → case) that a trigger writes
  in the statement that writes the case.

Existing rows keep their ids: the old table becomes the partition `incidents_incident_before`
(ids below the first month partitioned, the months up to the one the migration runs in), and the
old events table `incidents_incidentevent_before` beside it. An empty table (a new database) is
replaced, with no such partition. The conversion reads the catalog for the indexes, triggers and
foreign keys to carry over, so those other apps added are kept.
"""

from django.conf import settings
from django.db import migrations

MONTH_SPAN = 10**10  # ids of one month: YYYYMM * MONTH_SPAN + its number
MONTHS_AHEAD = 12  # the months made at migration time after the current one (the worker keeps them ahead)

FUNCTIONS = """
CREATE SEQUENCE incidents_case_number;
-- The first id of the month of `day`.
CREATE FUNCTION incidents_month_first_id(day date) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT (extract(year FROM day)::bigint * 100 + extract(month FROM day)::bigint) * {span}
$$;
-- A new case's id, in the month of `day` (the day its code carries).
CREATE FUNCTION incidents_case_id(day date) RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT incidents_month_first_id(day) + nextval('incidents_case_number')
$$;
-- The partitions of cases and of their events for the month of `day`; false when they exist
-- already or the month lies in the partition of the cases from before partitioning.
CREATE FUNCTION incidents_create_month(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', day)::date;
    low bigint := incidents_month_first_id(first);
    high bigint := incidents_month_first_id((first + interval '1 month')::date);
    suffix text := to_char(first, '"_y"YYYY"m"MM');
BEGIN
    IF to_regclass('incidents_incident' || suffix) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF incidents_incident FOR VALUES FROM (%s) TO (%s)',
                   'incidents_incident' || suffix, low, high);
    -- Unique in the month; the CHECK incidents_incident_code_in_its_month makes it unique everywhere.
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (code)', 'incidents_incident' || suffix || '_code',
                   'incidents_incident' || suffix);
    EXECUTE format('CREATE TABLE %I PARTITION OF incidents_incidentevent FOR VALUES FROM (%s) TO (%s)',
                   'incidents_incidentevent' || suffix, low, high);
    RETURN true;
EXCEPTION
    WHEN invalid_object_definition OR duplicate_table THEN
        RETURN false;  -- inside the partition from before, or made meanwhile by another worker
END
$$;
""".format(span=MONTH_SPAN)

CODE_IN_ITS_MONTH = (
    f"id < {MONTH_SPAN} OR (code ~ '^[0-9]{{6}}-[0-9]{{8}}-' AND substr(code, 8, 6) = (id / {MONTH_SPAN})::text)"
)

CLIENT_IDS = """
CREATE TABLE incidents_clientid (
    client_id uuid PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents_incident (id) ON DELETE CASCADE
);
CREATE INDEX incidents_clientid_incident ON incidents_clientid (incident_id);
INSERT INTO incidents_clientid (client_id, incident_id) SELECT client_id, id FROM incidents_incident;
CREATE FUNCTION incidents_keep_client_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO incidents_clientid (client_id, incident_id) VALUES (NEW.client_id, NEW.id);
    ELSIF NEW.client_id IS DISTINCT FROM OLD.client_id THEN
        UPDATE incidents_clientid SET client_id = NEW.client_id WHERE client_id = OLD.client_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER incidents_client_id_once AFTER INSERT OR UPDATE OF client_id ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION incidents_keep_client_id();
"""


def _rows(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _shape(cursor, table):
    """What the conversion carries over, as text naming `table` (read before it is renamed)."""
    return {
        "references": _rows(  # foreign keys of any table (this one's own included) to this one
            cursor,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid = %s::regclass AND conparentid = 0",
            [table],
        ),
        "foreign_keys": _rows(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = %s::regclass AND confrelid <> %s::regclass AND conparentid = 0",
            [table, table],
        ),
        "indexes": _rows(  # every index but the unique ones, which stay on the old rows' partition
            cursor,
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique",
            [table],
        ),
        "all_indexes": [
            r[0]
            for r in _rows(
                cursor, "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass", [table]
            )
        ],
        "triggers": _rows(
            cursor,
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        ),
        "primary_key": _rows(
            cursor, "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = %s::regclass", [table]
        )[0][0],
    }


def _partition(cursor, table, key, primary_key, upper_bound, before_checks=()):
    """Replace `table` by a table partitioned by RANGE (key), with the same columns, defaults, checks,
    indexes (but unique ones), triggers and foreign keys both ways; its rows, if any, become the
    partition `<table>_before` of keys below `upper_bound`. Returns whether there were rows."""
    shape = _shape(cursor, table)
    before = f"{table}_before"
    for owner, name, _definition in shape["references"]:
        cursor.execute(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"')
    for name, _definition in shape["foreign_keys"]:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in shape["triggers"]:
        cursor.execute(f'DROP TRIGGER "{name}" ON {table}')
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cursor.execute(f"ALTER TABLE {table} RENAME TO {before}")
    for index in shape["all_indexes"]:
        cursor.execute(f'ALTER INDEX "{index}" RENAME TO "{index[:52]}_before"')
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {before} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) "
        f"PARTITION BY RANGE ({key})"
    )
    cursor.execute(
        f'ALTER TABLE {table} ADD CONSTRAINT "{shape["primary_key"]}" PRIMARY KEY ({", ".join(primary_key)})'
    )
    for _name, definition in shape["indexes"]:
        cursor.execute(definition)  # names `table`, now the partitioned one
    for name, check in before_checks:
        cursor.execute(f'ALTER TABLE {before} ADD CONSTRAINT "{name}" CHECK ({check})')
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" CHECK ({check})')
    cursor.execute(f"SELECT EXISTS (SELECT FROM {before})")
    had_rows = cursor.fetchone()[0]
    if had_rows:
        if list(primary_key) != ["id"]:  # its own key is not the parent's: the parent's is built on attach
            cursor.execute(f'ALTER TABLE {before} DROP CONSTRAINT "{shape["primary_key"]}_before"')
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {before} FOR VALUES FROM (MINVALUE) TO ({upper_bound})")
    else:
        cursor.execute(f"DROP TABLE {before}")
    for name, definition in shape["foreign_keys"]:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for owner, name, definition in shape["references"]:
        cursor.execute(f'ALTER TABLE {owner} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in shape["triggers"]:
        cursor.execute(definition)
    return had_rows


def partition_cases_and_events(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM incidents_incident")
        if cursor.fetchone()[0] >= MONTH_SPAN:
            raise RuntimeError(
                f"incidents_incident holds ids of {MONTH_SPAN} or more: they cannot stay below the months"
            )
        cursor.execute(FUNCTIONS)
        # The months of the cases from before: up to this one, or the latest a code names.
        cursor.execute(
            "SELECT greatest(date_trunc('month', (now() AT TIME ZONE %s)::date), "
            "max(to_date(substr(code, 8, 6), 'YYYYMM')) FILTER (WHERE code ~ '^[0-9]{6}-[0-9]{8}-'))::date "
            "FROM incidents_incident",
            [settings.TIME_ZONE],
        )
        last_before = cursor.fetchone()[0]
        cursor.execute("SELECT incidents_month_first_id((%s::date + interval '1 month')::date)", [last_before])
        bound = cursor.fetchone()[0]
        had_rows = _partition(
            cursor,
            "incidents_incident",
            "id",
            ["id"],
            bound,
            before_checks=[("incidents_incident_code_in_its_month", CODE_IN_ITS_MONTH)],
        )
        if had_rows:
            # The old rows' codes are of those months (or of no month): unique in their partition alone.
            cursor.execute(
                "ALTER TABLE incidents_incident_before ADD CONSTRAINT incidents_incident_before_codes CHECK "
                "(code !~ '^[0-9]{6}-[0-9]{8}-' OR substr(code, 8, 6) <= %s)",
                [last_before.strftime("%Y%m")],
            )
        cursor.execute(
            "ALTER TABLE incidents_incident ALTER COLUMN id SET DEFAULT incidents_case_id((now() AT TIME ZONE %s)::date)",
            [settings.TIME_ZONE],
        )
        cursor.execute(CLIENT_IDS)
        if had_rows:  # client_id is unique through incidents_clientid now
            for (name,) in _rows(
                cursor,
                "SELECT conname FROM pg_constraint WHERE contype = 'u' AND conrelid = 'incidents_incident_before'::regclass "
                "AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'incidents_incident_before'::regclass "
                "AND attname = 'client_id')]",
            ):
                cursor.execute(f'ALTER TABLE incidents_incident_before DROP CONSTRAINT "{name}"')

        cursor.execute("SELECT coalesce(max(id), 0) FROM incidents_incidentevent")
        last_event = cursor.fetchone()[0]
        _partition(cursor, "incidents_incidentevent", "incident_id", ["id", "incident_id"], bound)
        cursor.execute("CREATE SEQUENCE incidents_incidentevent_id_seq OWNED BY incidents_incidentevent.id")
        if last_event:
            cursor.execute("SELECT setval('incidents_incidentevent_id_seq', %s)", [last_event])
        cursor.execute(
            "ALTER TABLE incidents_incidentevent ALTER COLUMN id SET DEFAULT nextval('incidents_incidentevent_id_seq')"
        )
        # This month and a year ahead (those inside the partition from before are skipped).
        cursor.execute(
            "SELECT incidents_create_month(((now() AT TIME ZONE %s)::date + n * interval '1 month')::date) "
            "FROM generate_series(0, %s) AS n",
            [settings.TIME_ZONE, MONTHS_AHEAD],
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_channels_of_visits_and_meetings")]
    # Not reversible: turning partitions back into one table is a dump and a load, not a migration.
    operations = [migrations.RunPython(partition_cases_and_events, elidable=False)]
