"""The DATABASES of a deployment: the primary, its read replicas, and what a transaction pooler in
front of them changes. Read by govgrid/settings.py (so nothing here may use Django's settings);
docs/deployment.md says how the parts fit.

    default      the primary (DATABASE_URL): every write, every transaction, everything not marked
    replica1..N  hot standbys (GOVGRID_DATABASE_REPLICA_URLS): GET and HEAD of the views marked
                 `read_only` (govgrid.lib.reads), routed by govgrid.replicas

Through a transaction pooler (GOVGRID_DATABASE_POOLED=transaction: PgBouncer's pool_mode =
transaction), consecutive transactions of one Django connection may run on different server
connections, so nothing may outlive a transaction on the server:

- govgrid.lib.prepared runs its statements plainly (a PREPARE would stay on one server connection);
- no `options` startup parameter (PgBouncer 1.18 refuses it): SESSION_SETTINGS come from the role
  (`ALTER ROLE ... SET plan_cache_mode`, `... SET jit`), as does the time zone (`SET timezone = 'UTC'`, so Django
  has no SET TIME ZONE to send);
- DISABLE_SERVER_SIDE_CURSORS: QuerySet.iterator() outside a transaction would declare a cursor
  WITH HOLD, which lives on the server connection after the transaction. Exports keep their
  server-side cursor: it is declared inside their transaction (exports.plan) and ends with it;
- advisory locks are the transaction's (pg_advisory_xact_lock), temporary tables ON COMMIT DROP,
  `SET LOCAL` only: those are safe as they are. LISTEN/NOTIFY is not used. Backups (pg_dump with an
  exported snapshot) and the worker connect to PostgreSQL directly.
"""

from django.core.exceptions import ImproperlyConfigured

POOLED_MODES = ("", "session", "transaction")

# The settings of every session of govgrid's: sent at connection start (`options`), or held by the
# role behind a transaction pooler (docs/deployment.md).
# - plan_cache_mode: govgrid's prepared statements (govgrid.lib.prepared) keep the plan made once:
#   for their short statements planning costs more than running, and a plan per call gains
#   nothing. Only prepared statements and PL/pgSQL use the plan cache.
# - jit: with a year of monthly partitions the planner's costs pass JIT's thresholds for statements
#   whose time goes into reading indexes and counting, and it compiled for seconds what ran in
#   milliseconds (the density map, exports, the volunteers' figures, the kept figures' triggers:
#   1 to 8 s a statement at 2,000,000 cases).
SESSION_SETTINGS = {"plan_cache_mode": "force_generic_plan", "jit": "off"}


def connection_options():
    """The `options` startup parameter that sets SESSION_SETTINGS."""
    return " ".join(f"-c {name}={value}" for name, value in SESSION_SETTINGS.items())


def pooled_mode(value):
    """GOVGRID_DATABASE_POOLED: "" (direct), "session" (a session pooler: the same as direct) or
    "transaction"."""
    mode = value.strip().lower()
    if mode not in POOLED_MODES:
        raise ImproperlyConfigured(f"GOVGRID_DATABASE_POOLED must be empty, session or transaction, not {value!r}")
    return mode


def for_pooler(entry, pooled):
    """A DATABASES entry made safe for a transaction pooler (see the module's docstring)."""
    if pooled != "transaction":
        return entry
    options = {key: value for key, value in entry["OPTIONS"].items() if key != "options"}
    return entry | {"OPTIONS": options, "DISABLE_SERVER_SIDE_CURSORS": True}


def layout(parse, primary_url, replica_urls, pooled, replica_connect_timeout):
    """DATABASES: `default` from primary_url, `replica1`… from the comma-separated replica_urls, each
    parsed by `parse` (settings.database_from_url). A replica that does not answer within
    replica_connect_timeout seconds is skipped (libpq counts at least 2)."""
    databases = {"default": for_pooler(parse(primary_url), pooled)}
    for number, url in enumerate((u.strip() for u in replica_urls.split(",") if u.strip()), start=1):
        try:
            entry = for_pooler(parse(url), pooled)
        except ImproperlyConfigured:
            raise ImproperlyConfigured(
                f"GOVGRID_DATABASE_REPLICA_URLS: replica {number} must be a postgres:// URL"
            ) from None
        entry["OPTIONS"] = entry["OPTIONS"] | {"connect_timeout": max(1, round(replica_connect_timeout))}
        # Tests read the replicas' copy of the test database, never a database of their own.
        entry["TEST"] = {"MIRROR": "default"}
        databases[f"replica{number}"] = entry
    return databases
