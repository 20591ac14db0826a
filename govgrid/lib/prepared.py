"""Server-side prepared statements for the hottest hand-written SQL.

PostgreSQL plans a statement every time it arrives; for a short statement on a warm cache (a
report's point-in-polygon and insert, a token's login) planning takes longer than running it.
A prepared statement is planned once per database session and then only executed. Each named
statement is prepared on a connection the first time it runs there (Django keeps connections for
CONN_MAX_AGE, so a worker prepares once and executes thousands of times); a new connection prepares
again. PREPARE is not undone by a rollback, and PostgreSQL re-plans by itself when a table changes.

The SQL is written as everywhere else, with %(name)s parameters; PostgreSQL infers each parameter's
type from where it is used, so a parameter it cannot place needs a cast in the SQL.

Through a transaction pooler (GOVGRID_DATABASE_POOLED=transaction, govgrid/databases.py) a Django
connection's transactions may run on different server connections, where a statement prepared on
one is unknown on the next: there each statement is sent as it is written, planned every time.

One of intake's speed-ups: docs/speed.md lists them together, with what each costs.
"""

import re

from django.conf import settings

PARAMETER = re.compile(r"%\((\w+)\)s")


class Prepared:
    def __init__(self, name, sql):
        self.name = name
        self.sql = sql
        self.order = list(dict.fromkeys(PARAMETER.findall(sql)))
        position = {key: i + 1 for i, key in enumerate(self.order)}
        # %% is a literal % in the SQL as written (psycopg's escaping); PREPARE sees it plainly.
        body = PARAMETER.sub(lambda m: f"${position[m.group(1)]}", sql).replace("%%", "%")
        self.prepare_sql = f"PREPARE {name} AS {body}"
        self.execute_sql = f"EXECUTE {name}({', '.join(['%s'] * len(self.order))})" if self.order else f"EXECUTE {name}"

    def execute(self, cursor, params):
        """Run on a Django cursor with a dict of parameters; fetch the rows from the cursor."""
        if settings.DATABASE_POOLED == "transaction":
            cursor.execute(self.sql, params)
            return
        wrapper = cursor.db  # the connection the cursor belongs to
        raw = wrapper.connection
        known = getattr(wrapper, "govgrid_prepared", None)
        if known is None or known[0] is not raw:
            known = wrapper.govgrid_prepared = (raw, set())
        if self.name not in known[1]:
            cursor.execute(self.prepare_sql)
            known[1].add(self.name)
        cursor.execute(self.execute_sql, [params[key] for key in self.order])
