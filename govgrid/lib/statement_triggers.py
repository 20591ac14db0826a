"""Statement triggers with transition tables, as the tables of derived rows keep them (the coverage
table, the visits' weeks): one AFTER trigger per event that sees the statement's rows as `new_rows`
and `old_rows`, and one AFTER TRUNCATE. The migrations that make them call this, so the shape is
written once."""

TRANSITION = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def statement_triggers_sql(prefix, table, function, events, truncated):
    """CREATE TRIGGER statements: `{prefix}_{event}` after each of `events` on `table`, executing
    `function` once per statement, and `{prefix}_truncate` after a TRUNCATE, executing `truncated`."""
    made = [
        f"CREATE TRIGGER {prefix}_{event.lower()} AFTER {event} ON {table} REFERENCING {TRANSITION[event]}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        for event in events
    ]
    made.append(
        f"CREATE TRIGGER {prefix}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {truncated}();"
    )
    return "\n".join(made)


def drop_statement_triggers_sql(prefix, table, events):
    """The DROP TRIGGER statements of statement_triggers_sql's triggers."""
    return "\n".join(f"DROP TRIGGER {prefix}_{event.lower()} ON {table};" for event in (*events, "TRUNCATE"))
