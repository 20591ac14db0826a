"""Old months of cases archived and restored: a month's partitions detached, dumped, dropped or kept.

A month (or the partition of the cases from before partitioning) leaves the tables in one
transaction, into its own schema `incidents_archive_<y2026m01>`:

- the month's cases and their events: their partitions detached and moved there (attached again);
- rows that must name a case (photos, dispatches, call-backs, client ids): copied there and deleted
  (inserted again);
- links that may be empty (a service request, a later case's duplicate_of): kept in `links` and
  emptied (set again), unless the table's own rules refuse an empty link (a resident's report taken
  as a case must name it): then those rows are copied and deleted too, with the rows naming them.

The tables that reference cases are read from the catalog, so a table another app adds is carried
too; where a table's own rules refuse (an append-only ledger under a moved row), the whole archive
is refused and nothing is written. Then pg_dump writes the schema to
`<directory>/incidents_archive_<month>.dump`, and the schema is dropped unless it is to be kept. A
restore loads the dump (or takes the kept schema) and puts everything back in one transaction, the
foreign keys checked again as the partitions are attached. Photos' files stay where they are; only
their rows are archived.
"""

from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from govgrid.lib.pgtools import ToolError, pg_env, pg_tool, run_tool

from .partitions import CASES, EVENTS, LOCK_TIMEOUT, add_months, events_partition, first_id, month_of, partitions

SCHEMA_PREFIX = "incidents_archive_"

# What apps above this one keep of the cases outside their tables, and must hear of a month's cases
# leaving or coming back (their triggers see no row deleted or inserted): `hook(partition, sign)`,
# -1 before the partition of cases `partition` is detached, +1 once it is attached again, in the
# same transaction. Registered when their app is ready (maps: the density map's counts per day).
_MOVED = []


def on_partition_moved(hook):
    """Register `hook(partition, sign)` (see _MOVED)."""
    _MOVED.append(hook)


class ArchiveError(Exception):
    """An archive or restore that cannot go on; the message says why."""


@dataclass
class Partition:
    table: str  # the cases' partition; its events' partition is named alike
    low: int | None  # its first id (None: from the lowest, the partition from before partitioning)
    high: int  # the first id after it

    @property
    def schema(self):
        return SCHEMA_PREFIX + self.table[len(CASES) + 1 :]

    def within(self, column):
        """SQL: `column` holds an id of this partition's cases."""
        above = f"{column} >= {self.low} AND " if self.low is not None else ""
        return f"({above}{column} < {self.high})"


def archivable(older_than_months, today):
    """The partitions whose every month is more than `older_than_months` months before `today`'s."""
    end = first_id(add_months(month_of(today), -older_than_months))
    return [Partition(*row) for row in partitions() if row[2] <= end]


def archive(partition, directory, keep=False):
    """Detach `partition` with everything that names its cases, dump it into `directory`, and drop
    it unless `keep`. Returns (the dump's path, {table: rows archived})."""
    if connection.in_atomic_block:  # pg_dump reads what is committed, from its own connection
        raise ArchiveError(_("A month is archived in its own transaction, not inside another."))
    try:
        with transaction.atomic():
            counts = _detach(partition)
    except DatabaseError as error:  # a rule of a table that names the cases refused: nothing was written
        raise ArchiveError(_("The month cannot be archived: %(error)s") % {"error": error}) from error
    path = Path(directory) / f"{partition.schema}.dump"
    try:
        _dump(partition.schema, path)
    except ToolError as error:
        raise ArchiveError(
            _("%(error)s; the month is kept in the schema %(schema)s") % {"error": error, "schema": partition.schema}
        ) from error
    if not keep:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {partition.schema} CASCADE")
    return path, counts


def restore(path):
    """Put back a month archived into `path` (or kept in its schema): returns {table: rows restored}."""
    schema = Path(path).stem
    if not schema.startswith(SCHEMA_PREFIX) or not schema[len(SCHEMA_PREFIX) :].replace("_", "").isalnum():
        raise ArchiveError(_("%(path)s is not a month's archive (incidents_archive_<month>.dump)") % {"path": path})
    if not _schema_exists(schema):
        if not Path(path).is_file():
            raise ArchiveError(_("%(path)s does not exist") % {"path": path})
        db = connection.settings_dict
        try:
            restoring = [pg_tool("pg_restore"), "--no-owner", "--single-transaction", "-d", db["NAME"], str(path)]
            run_tool(restoring, pg_env(db))
        except ToolError as error:
            raise ArchiveError(str(error)) from error
    with transaction.atomic():
        return _attach(schema)


def _detach(partition):
    schema, events = partition.schema, events_partition(partition.table)
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"CREATE SCHEMA {schema}")
        cursor.execute(f"CREATE TABLE {schema}.partitions (parent text, partition text, low bigint, high bigint)")
        cursor.execute(
            f"CREATE TABLE {schema}.links (table_name text, column_name text, row_key text, incident_id bigint)"
        )
        for table, column, nullable, key in _references(cursor, CASES):
            rows = partition.within(column)
            if table == CASES:  # a case outside the month that names one inside it
                rows += f" AND NOT {partition.within('id')}"
            emptied = nullable and _emptied(cursor, schema, table, column, key, rows)
            counts[f"{table}.{column}"] = emptied if emptied is not False else _move(cursor, schema, table, key, rows)
        for parent, child in ((EVENTS, events), (CASES, partition.table)):
            cursor.execute(f"SELECT count(*) FROM {child}")
            counts[parent] = cursor.fetchone()[0]
            for hook in _MOVED if parent == CASES else ():
                hook(child, -1)
            cursor.execute(f"ALTER TABLE {parent} DETACH PARTITION {child}")
            _drop_foreign_keys(cursor, child)
            cursor.execute(f"ALTER TABLE {child} SET SCHEMA {schema}")
            cursor.execute(
                f"INSERT INTO {schema}.partitions VALUES (%s, %s, %s, %s)",
                [parent, child, partition.low, partition.high],
            )
    return counts


def _attach(schema):
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # The cases first: their events' foreign key is checked against them.
        cursor.execute(f"SELECT parent, partition, low, high FROM {schema}.partitions ORDER BY parent = %s", [EVENTS])
        for parent, child, low, high in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {schema}.{child} SET SCHEMA public")
            lowest = "MINVALUE" if low is None else int(low)
            cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {child} FOR VALUES FROM ({lowest}) TO ({int(high)})")
            for hook in _MOVED if parent == CASES else ():
                hook(child, 1)
            cursor.execute(f"SELECT count(*) FROM {child}")
            counts[parent] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name NOT IN ('partitions', 'links')",
            [schema],
        )
        for (table,) in cursor.fetchall():
            columns = ", ".join(f'"{c}"' for c in _columns(cursor, schema, table))
            cursor.execute(f"INSERT INTO public.{table} ({columns}) SELECT {columns} FROM {schema}.{table}")
            counts[table] = cursor.rowcount
        for table, column, _nullable, key in _references(cursor, CASES):
            cursor.execute(
                f"UPDATE {table} t SET {column} = l.incident_id FROM {schema}.links l "
                f"WHERE l.table_name = %s AND l.column_name = %s AND t.{key}::text = l.row_key",
                [table, column],
            )
            if cursor.rowcount:
                counts[f"{table}.{column}"] = cursor.rowcount
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    return counts


def _references(cursor, target):
    """(table, column, nullable, its primary key's column) of every foreign key to `target`; for
    the cases, but the events' (partitioned alike, detached with the month)."""
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, a.attname, NOT a.attnotnull,
               (SELECT k.attname FROM pg_constraint p JOIN pg_attribute k
                    ON k.attrelid = p.conrelid AND k.attnum = p.conkey[1]
                WHERE p.conrelid = c.conrelid AND p.contype = 'p')
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conparentid = 0 AND c.conrelid <> %s::regclass
        ORDER BY 1, 2
        """,
        [target, EVENTS],
    )
    return cursor.fetchall()


def _emptied(cursor, schema, table, column, key, rows):
    """Empty the links the rows make to the month's cases, kept in `links`: how many, or False when
    the table's own rules refuse it (a resident's report taken as a case must name it)."""
    try:
        with transaction.atomic():  # a savepoint: refused, the rows are moved instead
            cursor.execute(
                f"INSERT INTO {schema}.links SELECT %s, %s, {key}::text, {column} FROM {table} WHERE {rows}",
                [table, column],
            )
            cursor.execute(f"UPDATE {table} SET {column} = NULL WHERE {rows}")
            return cursor.rowcount
    except IntegrityError:
        return False


def _move(cursor, schema, table, key, rows, depth=0):
    """Copy the rows into the schema and delete them, the rows that name them (in other tables)
    first: how many. A table's own rules (an append-only ledger) may refuse, and so the archive."""
    if key is None or depth > 4:
        raise ArchiveError(_("%(table)s has no primary key: its rows cannot be archived") % {"table": table})
    for child, column, _nullable, child_key in _references(cursor, table):
        if child != table:
            _move(cursor, schema, child, child_key, f"{column} IN (SELECT {key} FROM {table} WHERE {rows})", depth + 1)
    cursor.execute("SELECT to_regclass(%s)", [f"{schema}.{table}"])
    if cursor.fetchone()[0] is None:
        cursor.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM {table} WHERE {rows}")
    else:  # reached by another way too
        cursor.execute(
            f"INSERT INTO {schema}.{table} SELECT * FROM {table} WHERE {rows} "
            f"AND {key} NOT IN (SELECT {key} FROM {schema}.{table})"
        )
    cursor.execute(f"DELETE FROM {table} WHERE {rows}")
    return cursor.rowcount


def _drop_foreign_keys(cursor, table):
    """A detached table keeps its parent's foreign keys; archived, it must not hold live rows in place
    (they are checked again when it is attached)."""
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass AND conparentid = 0", [table]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def _columns(cursor, schema, table):
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "ORDER BY ordinal_position",
        [schema, table],
    )
    return [row[0] for row in cursor.fetchall()]


def _schema_exists(schema):
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = %s)", [schema])
        return cursor.fetchone()[0]


def _dump(schema, path):
    db = connection.settings_dict
    path.parent.mkdir(parents=True, exist_ok=True)
    run_tool([pg_tool("pg_dump"), "--format=custom", "--no-owner", "-n", schema, "-f", str(path)], pg_env(db))
