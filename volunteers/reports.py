"""A work unit's quarterly report (双报到 feedback): for each of its in-service members, their
registration where they live, the services, hours, points, activities and household contacts of
the quarter, and the year to date measured against the district's minimums (volunteers.rules).

The rows come from one statement for the unit (`_SQL`), never a query per member, and from the
ledger alone for hours and points: a member's figures are the sums of their ledger rows. Services
are the ledger's service-hours rows (a service credits hours when it is confirmed), rated services
its rated-service rows with the rating of the request they credit; contacts are the household
visits the member recorded (grids.models.Visit). The year to date runs from 1 January to the end of
the quarter, so a past quarter's report reads the same whenever it is made again.

The members are those of the unit (Person.work_unit) whom the reader reads (volunteers.members):
all of them for the unit's contact, a community's staff only their own areas'. A member's
registration (where they live) is personal data: shown to the unit's contact, to the member, and
where the reader's scope shows personal data (grids.scopes), left out elsewhere (analysts).

The API, the CSV (written by PostgreSQL, every text cell spreadsheet-safe) and the PDF
(volunteers.report_pdf) read the same statement.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from govgrid.lib.spreadsheet import safe_cell_sql
from grids.models import Area, Assignment, Person, Role, Visit

from .members import members_seen
from .models import LedgerEntry, ServiceRequest
from .rules import rules_for

FIRST_YEAR, LAST_YEAR = 2000, 2100

# The figures of a row, in the order of the CSV and the PDF after the member's name and registration.
COUNTS = ("services", "rated_services", "activities", "contacts", "year_activities")
AMOUNTS = ("service_hours", "activity_hours", "correction_hours", "hours", "points", "year_hours", "year_points")
MINIMUMS = ("hours_met", "activities_met", "contacts_met")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def checked(cls, year, number):
        """The quarter, or GovgridError naming the refused field."""
        if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
            raise GovgridError(
                _("Give a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}, field="year"
            )
        if not isinstance(number, int) or not 1 <= number <= 4:
            raise GovgridError(_("A quarter is 1, 2, 3 or 4."), field="quarter")
        return cls(year, number)

    @classmethod
    def of(cls, day):
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def since(self):
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def until(self):
        """The first day after the quarter."""
        return date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)

    @property
    def last_day(self):
        return self.until - timedelta(days=1)

    @property
    def slug(self):
        return f"{self.year}-Q{self.number}"

    def previous(self):
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


_SQL = f"""
WITH members AS (
    SELECT p.id, p.name, p.home_community_id
    FROM {Person._meta.db_table} p
    WHERE p.work_unit_id = %(unit)s AND p.id IN ({{seen}})
), registered AS (
    -- the member's latest dual registration (双报到) in force at some time in the quarter
    SELECT DISTINCT ON (a.person_id) a.person_id, a.area_id, a.starts_on
    FROM {Assignment._meta.db_table} a JOIN members m ON m.id = a.person_id
    WHERE a.role = %(in_service)s AND a.starts_on < %(until)s AND (a.ends_on IS NULL OR a.ends_on > %(since)s)
    ORDER BY a.person_id, a.starts_on DESC, a.id DESC
), credited AS (
    SELECT l.person_id,
           count(*) FILTER (WHERE l.on >= %(since)s AND l.kind = %(service)s) AS services,
           count(*) FILTER (WHERE l.on >= %(since)s AND l.kind = %(rated)s) AS rated_services,
           round(avg(r.rating) FILTER (WHERE l.on >= %(since)s AND l.kind = %(rated)s), 2) AS average_rating,
           sum(l.hours) FILTER (WHERE l.on >= %(since)s AND l.kind = %(service)s) AS service_hours,
           sum(l.hours) FILTER (WHERE l.on >= %(since)s AND l.kind = %(activity)s) AS activity_hours,
           sum(l.hours) FILTER (WHERE l.on >= %(since)s AND l.kind = %(correction)s) AS correction_hours,
           sum(l.hours) FILTER (WHERE l.on >= %(since)s) AS hours,
           sum(l.points) FILTER (WHERE l.on >= %(since)s) AS points,
           count(*) FILTER (WHERE l.on >= %(since)s AND l.kind = %(activity)s) AS activities,
           sum(l.hours) AS year_hours,
           sum(l.points) AS year_points,
           count(*) FILTER (WHERE l.kind = %(activity)s) AS year_activities
    FROM {LedgerEntry._meta.db_table} l
    JOIN members m ON m.id = l.person_id
    LEFT JOIN {ServiceRequest._meta.db_table} r ON r.id = l.request_id AND l.kind = %(rated)s
    WHERE l.on >= %(year_start)s AND l.on < %(until)s
    GROUP BY l.person_id
), visited AS (
    SELECT v.person_id, count(*) AS contacts
    FROM {Visit._meta.db_table} v JOIN members m ON m.id = v.person_id
    WHERE v.visited_on >= %(since)s AND v.visited_on < %(until)s
    GROUP BY v.person_id
), figured AS (
    SELECT m.id AS person_id, m.name,
           CASE WHEN {{shown}} THEN coalesce(CASE WHEN g.level = 'grid' THEN c.name ELSE g.name END, h.name) END
               AS community,
           CASE WHEN {{shown}} AND g.level = 'grid' THEN g.name END AS grid,
           CASE WHEN {{shown}} THEN reg.starts_on END AS registered_on,
           reg.person_id IS NOT NULL AS registered,
           coalesce(cr.services, 0) AS services,
           coalesce(cr.rated_services, 0) AS rated_services,
           cr.average_rating,
           coalesce(cr.service_hours, 0) AS service_hours,
           coalesce(cr.activity_hours, 0) AS activity_hours,
           coalesce(cr.correction_hours, 0) AS correction_hours,
           coalesce(cr.hours, 0) AS hours,
           coalesce(cr.points, 0) AS points,
           coalesce(cr.activities, 0) AS activities,
           coalesce(vi.contacts, 0) AS contacts,
           coalesce(cr.year_hours, 0) AS year_hours,
           coalesce(cr.year_points, 0) AS year_points,
           coalesce(cr.year_activities, 0) AS year_activities
    FROM members m
    LEFT JOIN registered reg ON reg.person_id = m.id
    LEFT JOIN {Area._meta.db_table} g ON g.id = reg.area_id
    LEFT JOIN {Area._meta.db_table} c ON c.id = g.parent_id
    LEFT JOIN {Area._meta.db_table} h ON h.id = m.home_community_id
    LEFT JOIN credited cr ON cr.person_id = m.id
    LEFT JOIN visited vi ON vi.person_id = m.id
)
SELECT {{columns}}
FROM figured f
ORDER BY f.name, f.person_id
"""

_MET = {
    "hours_met": "f.year_hours >= %(min_hours)s",
    "activities_met": "f.year_activities >= %(min_activities)s",
    "contacts_met": "f.contacts >= %(min_contacts)s",
}
_ROW_COLUMNS = ("person_id", "name", "community", "grid", "registered_on", "registered", "average_rating")


def _rows_columns():
    plain = [f"f.{column}" for column in (*_ROW_COLUMNS, *COUNTS, *AMOUNTS)]
    return ", ".join(plain + [f"{condition} AS {name}" for name, condition in _MET.items()])


def _csv_columns():
    cell = safe_cell_sql
    texts = [f"{cell(f'f.{column}')} AS {column}" for column in ("name", "community", "grid")]
    figures = [f"f.{column}" for column in ("registered_on", "average_rating", *COUNTS, *AMOUNTS)]
    met = [f"CASE WHEN {condition} THEN 'met' ELSE 'not met' END AS {name}" for name, condition in _MET.items()]
    return ", ".join(texts + ["CASE WHEN f.registered THEN 'yes' ELSE 'no' END AS registered"] + figures + met)


CSV_COLUMNS = ("name", "community", "grid", "registered", "registered_on", "average_rating", *COUNTS, *AMOUNTS,
               *MINIMUMS)  # fmt: skip


@dataclass
class Report:
    unit: object  # the WorkUnit, its district joined
    quarter: Quarter
    rules: object  # the district's PointsRules
    rows: list = field(default_factory=list)

    @property
    def totals(self):
        """The sums of the rows' figures, and how many members met each minimum."""
        sums = {key: sum((row[key] for row in self.rows), Decimal(0) if key in AMOUNTS else 0) for key in
                (*COUNTS, *AMOUNTS)}  # fmt: skip
        sums |= {key: sum(1 for row in self.rows if row[key]) for key in MINIMUMS}
        sums["members"] = len(self.rows)
        sums["registered"] = sum(1 for row in self.rows if row["registered"])
        return sums


def _statement(scope, unit, quarter, columns):
    """(SQL, params) of the report's statement for the reader's scope, with the given SELECT list."""
    rules = rules_for(unit.district.code)
    seen_sql, seen_params = members_seen(scope).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:  # the scope's rule as the ORM renders it, written in once
        seen = cursor.mogrify(seen_sql, seen_params).decode()
    shown, shown_params = scope.sql("coalesce(g.code, h.code)", personal=True, name="personal")
    shown = f"(%(all_shown)s OR m.id = %(me)s OR {shown})"
    params = {
        "unit": unit.pk,
        "in_service": Role.IN_SERVICE_MEMBER.value,
        "since": quarter.since,
        "until": quarter.until,
        "year_start": date(quarter.year, 1, 1),
        "service": LedgerEntry.Kind.SERVICE_HOURS.value,
        "rated": LedgerEntry.Kind.RATED_SERVICE.value,
        "activity": LedgerEntry.Kind.ACTIVITY_HOURS.value,
        "correction": LedgerEntry.Kind.CORRECTION.value,
        "min_hours": rules.min_hours_a_year,
        "min_activities": rules.min_activities_a_year,
        "min_contacts": rules.min_contacts_a_quarter,
        "all_shown": scope.contact_of(unit.pk),
        "me": scope.person_id or 0,
        **shown_params,
    }
    # The seen members' SQL is already literal: its % signs (LIKE patterns) are doubled for the
    # driver, which reads the whole text's placeholders.
    sql = _SQL.format(seen=seen.replace("%", "%%"), shown=shown, columns=columns)
    return sql, params, rules


def report(scope, unit, quarter):
    """The report of a work unit (seen by the scope: volunteers.members.work_unit_seen) for a quarter."""
    sql, params, rules = _statement(scope, unit, quarter, _rows_columns())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return Report(unit=unit, quarter=quarter, rules=rules, rows=rows)


def report_csv(out, scope, unit, quarter):
    """The report's rows as CSV with a header (CSV_COLUMNS), written by PostgreSQL into the text file `out`."""
    sql, params, _rules = _statement(scope, unit, quarter, _csv_columns())
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", out)
