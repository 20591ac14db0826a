"""The figures a computed criterion reads (the indicators), each from the one statement its own app
already answers with: cases from incidents.figures, coverage from grids.coverage, the members' work
from volunteers.figures, consultation from consultations.figures. The star rating's self-assessment
and the dashboard's ranking both read them here, so the two never disagree.

A value is a share from 0 to 1, or a number of hours; None when there was nothing to count (no case
closed, no link due a visit…)."""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.figures import consultation_figures
from grids.coverage import summary
from incidents.figures import figures
from volunteers.figures import volunteer_figures


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str  # "share" (0–1) or "hours"
    source: str  # a key of SOURCES
    column: str  # the source row's value (a dotted path for nested values)

    def read(self, row):
        value = row
        for part in self.column.split("."):
            value = None if value is None else value.get(part)
        return None if value is None else Decimal(str(value))

    def shown(self, value):
        """The value as people read it: a share in %, hours as they are."""
        if value is None:
            return None
        return (value * 100).quantize(Decimal("0.1")) if self.unit == "share" else value.quantize(Decimal("0.1"))


INDICATORS = {
    indicator.key: indicator
    for indicator in (
        Indicator("coverage_full", _("grids fully covered (today)"), "share", "coverage", "shares.full"),
        Indicator("closure_rate", _("cases closed of those received"), "share", "cases", "shares.closure_rate"),
        Indicator("closed_in_grid", _("cases closed within the grid"), "share", "cases", "shares.closed_in_grid"),
        Indicator("on_time_rate", _("cases resolved on time"), "share", "cases", "shares.on_time_rate"),
        Indicator("satisfaction", _("residents satisfied with cases"), "share", "cases", "shares.satisfied"),
        Indicator("visits_done", _("weekly visits done of those due"), "share", "volunteers", "visits_share"),
        Indicator("volunteer_hours", _("volunteer hours credited"), "hours", "volunteers", "hours"),
        Indicator(
            "service_satisfaction", _("residents satisfied with services"), "share", "volunteers", "satisfaction"
        ),
        Indicator("consultations_solved", _("consultation items solved"), "share", "consultations", "solved_share"),
    )
}


def _aware(day):
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def _cases(prefix, level, since, until):
    return {row["code"]: row for row in figures(prefix, level, _aware(since), _aware(until), medians=False)}


def _coverage(prefix, level, since, until):
    return {row["code"]: row for row in summary(prefix, level)}


def _volunteers(prefix, level, since, until):
    return {row["code"]: row for row in volunteer_figures([prefix], level, since, until)}


def _consultations(prefix, level, since, until):
    return {row["area_code"]: row for row in consultation_figures(prefix, level, _aware(since), _aware(until))}


SOURCES = {"cases": _cases, "coverage": _coverage, "volunteers": _volunteers, "consultations": _consultations}


def indicator_values(prefix, level, since, until, keys):
    """{area code: {indicator key: value}} for every area of `level` under `prefix` over the days
    [since, until), for the indicators `keys`; one statement per source they need. An area with
    nothing to count in a source has None for its indicators."""
    wanted = [INDICATORS[key] for key in keys]
    rows = {source: SOURCES[source](prefix, level, since, until) for source in {i.source for i in wanted}}
    codes = set().union(*(found.keys() for found in rows.values())) if rows else set()
    return {code: {i.key: i.read(rows[i.source].get(code)) for i in wanted} for code in codes}


def indicator_choices():
    return [(key, indicator.label) for key, indicator in INDICATORS.items()]
