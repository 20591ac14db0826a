"""The points rules of a district (积分规则), from GOVGRID_POINTS_RULES: points per credited hour and
per rated service, and the minimums a member is measured against. Each ledger row keeps the points
the rules gave when it was written, so a rule changed later never rewrites the past."""

from dataclasses import dataclass, fields
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PointsRules:
    points_per_hour: Decimal = Decimal(1)
    points_per_rated_service: Decimal = Decimal(2)
    min_hours_a_year: Decimal = Decimal(50)
    min_activities_a_year: int = 4
    min_contacts_a_quarter: int = 2

    def points_for_hours(self, hours):
        return (Decimal(hours) * self.points_per_hour).quantize(Decimal("0.01"))


_KNOWN = {f.name: f.type for f in fields(PointsRules)}


def _checked(entry, where):
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f"GOVGRID_POINTS_RULES[{where!r}] is not an object")
    unknown = set(entry) - set(_KNOWN)
    if unknown:
        raise ImproperlyConfigured(f"GOVGRID_POINTS_RULES[{where!r}]: unknown key(s) {sorted(unknown)}")
    checked = {}
    for key, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ImproperlyConfigured(f"GOVGRID_POINTS_RULES[{where!r}][{key!r}] must be a number, 0 or more")
        checked[key] = int(value) if _KNOWN[key] is int else Decimal(str(value))
    return checked


def rules_for(district_code):
    """The rules in force in a district: the defaults, the setting's "default", then its own entry."""
    configured = settings.POINTS_RULES
    values = _checked(configured.get("default", {}), "default")
    values.update(_checked(configured.get(district_code, {}), district_code))
    return PointsRules(**values)
