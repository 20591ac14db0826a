"""Personal data: how a phone is masked and who is shown a case's resident contact, each rule stated
once, as data, with its Python question and its SQL condition both rendered from that one statement.

Who holds a scope of personal data (administrators, dispatchers, grid workers and leaders in their
areas; never analysts) is grids/scopes.py's table, and the prefix match behind it is Scope's
(`shows_personal_data_in` in Python, `Scope.sql(..., personal=True)` in SQL); this module builds on
them and states the rest:

- PHONE_MASK: a phone shown to someone who may not see it. Only the ASCII digits 0-9 count (spaces,
  dashes, a "+", letters and every other character are dropped, fullwidth and other scripts' digits
  too); 11 of them (a mobile number) keep 3 at the start and 4 at the end, 138****5678; any other
  number keeps its last 2, ****78 (so "+86 138 1234 5678", 13 digits, gives ****78, and a value
  with no digit gives ****). An empty value stays empty: there is nothing to hide, and **** would
  say there is a number. Python: `PHONE_MASK.mask(phone)`; SQL: `PHONE_MASK.sql(column)`.
- CASE_CONTACT: a case's resident name and phone are shown to those whose scope of personal data
  holds the area now responsible for the case, and to the user who reported it. Python:
  `CASE_CONTACT.shows(scope, incident)`; SQL: `CASE_CONTACT.sql(scope, table_alias)`.

tests/grids/test_personal_data_rule.py checks on PostgreSQL that each pair agrees.
"""

from dataclasses import dataclass, field

ASCII_DIGITS = "0123456789"


@dataclass(frozen=True)
class Ends:
    """How many of the counted characters a mask keeps at the start and at the end."""

    start: int
    end: int


@dataclass(frozen=True)
class Mask:
    """A mask as data: the characters that count (every other one is dropped), how many of them are
    kept at each end for a given count of them (`by_count`, else `otherwise`), and the filler put
    between the two ends. `mask` and `sql` are its two renderings."""

    counted: str
    otherwise: Ends
    by_count: dict = field(default_factory=dict)  # count of counted characters → Ends
    filler: str = "****"

    def __post_init__(self):
        # The characters go into an SQL string and a regular expression's bracket, the filler into
        # an SQL string that psycopg also reads for %-placeholders: nothing there may need quoting.
        if not (self.counted.isascii() and self.counted.isalnum()):
            raise ValueError("a mask counts ASCII letters and digits only")
        if not self.filler.isascii() or any(ch in self.filler for ch in "'%\\"):
            raise ValueError("a mask's filler is ASCII without quotes, percent signs or backslashes")
        if any(n < 0 for ends in (self.otherwise, *self.by_count.values()) for n in (ends.start, ends.end)):
            raise ValueError("a mask keeps no negative number of characters")

    def ends_for(self, count):
        return self.by_count.get(count, self.otherwise)

    def mask(self, value):
        """The masked value in Python. An empty value (or None) comes back as it is."""
        if not value:
            return value
        kept = "".join(ch for ch in value if ch in self.counted)
        ends = self.ends_for(len(kept))
        # max(): slicing from a negative start would count from the end, not keep the whole string
        # as SQL's right() does when the string is shorter.
        return kept[: ends.start] + self.filler + kept[max(len(kept) - ends.end, 0) :]

    def sql(self, expression):
        """The same mask as an SQL expression over a text `expression` (NULL and '' as they are)."""
        kept = f"regexp_replace({expression}, '[^{self.counted}]', '', 'g')"
        shapes = [f"WHEN {expression} IS NULL OR {expression} = '' THEN {expression}"]
        for count, ends in self.by_count.items():
            shapes.append(f"WHEN length({kept}) = {count} THEN {self._ends_sql(kept, ends)}")
        return f"CASE {' '.join(shapes)} ELSE {self._ends_sql(kept, self.otherwise)} END"

    def _ends_sql(self, kept, ends):
        parts = [f"left({kept}, {ends.start})"] if ends.start else []
        parts.append(f"'{self.filler}'")
        if ends.end:
            parts.append(f"right({kept}, {ends.end})")
        return " || ".join(parts)


# 138****5678 for an 11-digit mobile, else ****78.
PHONE_MASK = Mask(counted=ASCII_DIGITS, by_count={11: Ends(start=3, end=4)}, otherwise=Ends(start=0, end=2))


@dataclass(frozen=True)
class ContactRule:
    """Who is shown a case's resident contact: those whose scope of personal data holds the code in
    the case's `area` field, and the user whose id is in its `reporter` field (a reporter always
    sees the contact they wrote). The field names are the columns' names too."""

    area: str
    reporter: str

    def shows(self, scope, case):
        """Whether `scope` is shown the contact of `case` (an incident)."""
        reported = scope.user_id is not None and getattr(case, self.reporter) == scope.user_id
        return scope.shows_personal_data_in(getattr(case, self.area)) or reported

    def sql(self, scope, table, name="contact"):
        """The same rule as an SQL condition on the cases aliased `table`, and its parameters
        (text, {name_...: ...}) in psycopg's named style."""
        condition, values = scope.sql(f"{table}.{self.area}", personal=True, name=name)
        if scope.user_id is None:
            return condition, values
        reporter = f"{name}_reporter"
        return f"({condition} OR {table}.{self.reporter} = %({reporter})s)", values | {reporter: scope.user_id}


CASE_CONTACT = ContactRule(area="area_code", reporter="reporter_id")
