"""Constants of the code written into SQL text, for rules stated once in Python and used by
hand-written statements too (which statuses are open, which levels a case climbs through).

Only for values the code itself defines: each must be a plain identifier-like word, so it needs no
quoting beyond the single quotes; anything else is refused here rather than written into SQL.
"""

import re

_PLAIN = re.compile(r"^[a-z0-9_]+$")


def literals(values):
    """The values as a list of SQL string literals: 'reported', 'accepted'."""
    values = [str(value) for value in values]
    for value in values:
        if not _PLAIN.match(value):
            raise ValueError(f"{value!r} is not a plain constant")
    return ", ".join(f"'{value}'" for value in values)


def is_in(expression, values):
    """SQL: `expression` is one of the values."""
    return f"{expression} IN ({literals(values)})"
