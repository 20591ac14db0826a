"""Constants of the code written into SQL text, for rules stated once in Python and used by
hand-written statements too (which statuses are open, which levels a case climbs through).

Only for values the code itself defines: each must be a plain identifier-like word, so it needs no
quoting beyond the single quotes; anything else is refused here rather than written into SQL.
"""

import re

from django.db import connection

_PLAIN = re.compile(r"^[a-z0-9_]+$")


def literals(values):
    """The values as a list of SQL string literals: 'reported', 'accepted'."""
    values = [str(value) for value in values]
    for value in values:
        if not _PLAIN.match(value):
            raise ValueError(f"{value!r} is not a plain constant")
    return ", ".join(f"'{value}'" for value in values)


def column_type(model, name):
    """The SQL type of a model's column (a field's name or its attname, e.g. incident_id), for the
    casts of hand-written statements whose parameters PostgreSQL cannot place by themselves."""
    return model._meta.get_field(name).db_type(connection)


def is_in(expression, values):
    """SQL: `expression` is one of the values."""
    return f"{expression} IN ({literals(values)})"
