"""CSV cells that a spreadsheet cannot run: the OWASP defence against CSV (formula) injection.

Excel, LibreOffice and WPS take a cell that starts with =, +, - or @ as a formula, and a tab or a
carriage return at the start can hide one behind it: a resident's description such as
`=HYPERLINK("http://…", "点击")` or `-2+3+cmd|' /C calc'!A0` would run on an analyst's machine.
OWASP's advice: such a cell is prefixed with a single quote, which spreadsheets show as text and
never run (and the cell is quoted where needed: csv.writer does that, the quote is not special in CSV).

Numbers are left alone in columns that hold numbers: a negative coordinate (-12.5) is data, no
formula can be written as a bare decimal number, and neutralising it would turn -12.5 into text for
pandas and GIS tools. Which columns hold numbers is the caller's to say, and the cell must still be a
plain decimal number, so anything else in such a column ("-Infinity", "-1+1") is neutralised too.

govgrid's CSV is written by PostgreSQL (exports.plan), so the rule is given as SQL over a text
expression: one CASE per cell costs the export next to nothing, where the same test in Python took
longer than writing the rows.
"""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"


def _literal(character):
    return f"chr({ord(character)})"  # no quoting or escaping to get wrong, whatever the character


def safe_cell_sql(expression, numeric=False):
    """SQL: the text `expression` as a spreadsheet may safely open it (NULL stays NULL)."""
    starts = ", ".join(_literal(c) for c in FORMULA_STARTS)
    risky = f"left({expression}, 1) IN ({starts})"
    if numeric:
        risky += f" AND ({expression}) !~ '{PLAIN_NUMBER}'"
    return f"CASE WHEN {risky} THEN chr(39) || ({expression}) ELSE ({expression}) END"


def safe_cell(value, numeric=False):
    """The same rule in Python, for CSV that govgrid writes itself (a pay sheet): the value as text."""
    text = str(value)
    risky = text[:1] in FORMULA_STARTS and not (numeric and re.fullmatch(PLAIN_NUMBER, text))
    return "'" + text if risky else text
