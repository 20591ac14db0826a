"""Tables whose rows are never updated or deleted (an event history, a ledger, the stars in force),
as PostgreSQL itself keeps them: one trigger function per app refuses UPDATE and DELETE, but lets a
DELETE through in a transaction that said it purges whole demo or test data (`SET LOCAL
govgrid.<purge> = 'on'`). The migrations that make them call this, so the rule is written once."""


def append_only_sql(function, triggers, purges):
    """(forward, reverse) SQL for a migration: the trigger function `function`, and a trigger per
    (trigger name, table) in `triggers`; a DELETE goes through when any of the `purges` settings is on."""
    allowed = "\n                             OR ".join(f"current_setting('govgrid.{p}', true) = 'on'" for p in purges)
    forward = f"""
CREATE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND ({allowed}) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;
""" + "".join(
        f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}\n    FOR EACH ROW EXECUTE FUNCTION {function}();\n"
        for name, table in triggers
    )
    reverse = "".join(f"DROP TRIGGER {name} ON {table};\n" for name, table in triggers)
    reverse += f"DROP FUNCTION {function}();\n"
    return forward, reverse
