"""The ranking of streets or communities for a month or a quarter by the star rating's computed
criteria, so that the dashboard, its exports and the self-assessment show one picture.

Per district, the scheme in force on the period's first day decides the criteria; each area gets
every computed criterion's value and points (ratings.schemes.computed_points, the function the
self-assessment locks its values with), their sum (the "computed points", out of the computed
criteria's maximum) and its rank:

    | first                  | then                 | then         |
    |------------------------|----------------------|--------------|
    | computed points, most  | closure rate, higher | code, lower  |

A street is ranked on its own street-level figures, with the same thresholds. A district with no
scheme for the period has no computed criteria: it is listed without rows (`scheme` None), and the
dashboard keeps its ranking by the cases for it."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.moments import EARLIEST, LATEST, first_of_next_month
from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import under_codes

from .assessing import parse_quarter, quarter_period
from .indicators import INDICATORS, indicator_values
from .models import Criterion, quarter_label
from .schemes import computed_points, computed_points_of, max_points, next_quarter, quarter_of, scheme_in_force

LEVELS = (Level.STREET, Level.COMMUNITY)
VALUE_PLACES = Decimal("0.0001")  # as a self-assessment's score keeps its value (ratings.models.Score)
MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


# --- the period ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month or a quarter, counted over [since, until): to its end, or to today when not over."""

    kind: str  # "month" or "quarter"
    first: date

    @property
    def label(self):
        return quarter_label(self.first) if self.kind == "quarter" else f"{self.first:%Y-%m}"

    @property
    def end(self):
        """The first day after the period."""
        if self.kind == "quarter":
            return next_quarter(self.first)
        return first_of_next_month(self.first)

    def days(self, today=None):
        """[since, until): the days the figures count, cut at today as the self-assessment cuts its
        quarter (ratings.assessing.quarter_period), so the two read the same days."""
        quarter_until = quarter_period(quarter_of(self.first), today)[1]
        return self.first, min(self.end, quarter_until)


def month_of(text, field_name="month"):
    """A month written 2026-11 (years 1900–2999), or 400 naming the field."""
    found = MONTH.match((text or "").strip())
    if not found or not 1 <= int(found[2]) <= 12 or not EARLIEST.year <= int(found[1]) <= LATEST.year:
        raise GovgridError(_("A month is written like 2026-11."), field=field_name)
    return Period("month", date(int(found[1]), int(found[2]), 1))


def period_of(month=None, quarter=None):
    """The period a query names: a month or a quarter, exactly one of them."""
    if month and quarter:
        raise GovgridError(_("Give a month or a quarter, not both."), field="quarter")
    if quarter:
        return Period("quarter", parse_quarter(quarter, "quarter"))
    if month:
        return month_of(month)
    raise GovgridError(_("Give a month (like 2026-11) or a quarter (like 2026Q4)."), field="month")


def recent_quarters(today, n=4):
    """The last n quarters, oldest first, this one last."""
    firsts = [quarter_of(today)]
    while len(firsts) < n:
        firsts.append(quarter_of(firsts[-1] - timedelta(days=1)))
    return [Period("quarter", first) for first in reversed(firsts)]


# --- the ranking -----------------------------------------------------------------------------------


@dataclass
class DistrictRanking:
    """One district's areas of a level, best first, under its scheme (None: no scheme for the period)."""

    district: Area
    prefixes: list
    scheme: object
    criteria: list = field(default_factory=list)
    most: Decimal = Decimal(0)  # the computed criteria's maximum
    rows: list = field(default_factory=list)


def order_key(row):
    """The ranking's order: computed points (most first), then the closure rate (highest first, an
    area with no case last), then the code."""
    closure = row["closure_rate"]
    return (-row["computed_points"], closure is None, -(closure or 0), row["code"])


def ranking(prefixes, level, period, today=None):
    """[DistrictRanking] for the areas of `level` under `prefixes`, one per district they lie in."""
    by_district = {}
    for prefix in prefixes:
        by_district.setdefault(prefix[: CODE_LENGTH[Level.DISTRICT]], []).append(prefix)
    districts = Area.objects.in_bulk(list(by_district), field_name="code")
    return [
        district_ranking(districts[code], inside, level, period, today)
        for code, inside in sorted(by_district.items())
        if code in districts
    ]


def district_ranking(district, prefixes, level, period, today=None):
    try:
        scheme = scheme_in_force(district, period.first)
    except NotFound:
        return DistrictRanking(district, prefixes, None)
    criteria = list(scheme.criteria.filter(kind=Criterion.Kind.COMPUTED).select_related("section"))
    since, until = period.days(today)
    found, closure = {}, {}
    for prefix in prefixes:
        found |= computed_points(scheme, prefix, level, since, until)
        closure |= indicator_values(prefix, level, since, until, ["closure_rate"])
    nothing = computed_points_of(scheme, {}, criteria)  # an area with nothing to count, as assessed
    rows = []
    areas = Area.objects.filter(under_codes(prefixes), level=level).order_by("code").values_list("code", "name")
    for code, name in areas:
        scores = {c: (_kept(value), points) for c, (value, points) in found.get(code, nothing).items()}
        rows.append(
            {
                "code": code,
                "name": name,
                "criteria": scores,
                "computed_points": sum((points for _value, points in scores.values()), Decimal(0)),
                "closure_rate": closure.get(code, {}).get("closure_rate"),
            }
        )
    rows.sort(key=order_key)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return DistrictRanking(district, prefixes, scheme, criteria, max_points(criteria), rows)


def _kept(value):
    return None if value is None else value.quantize(VALUE_PLACES)


def shown(criterion, value):
    """A criterion's value as people read it (shares in %)."""
    return INDICATORS[criterion.indicator].shown(value)
