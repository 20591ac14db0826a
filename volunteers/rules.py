"""The points rules of a district (积分规则), from GOVGRID_POINTS_RULES: points per credited hour and
per rated service, and the minimums a member is measured against. Each ledger row keeps the points
the rules gave when it was written, so a rule changed later never rewrites the past."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from govgrid.lib.district_rules import district_rules


@dataclass(frozen=True)
class PointsRules:
    points_per_hour: Decimal = Decimal(1)
    points_per_rated_service: Decimal = Decimal(2)
    min_hours_a_year: Decimal = Decimal(50)
    min_activities_a_year: int = 4
    min_contacts_a_quarter: int = 2

    def points_for_hours(self, hours):
        return (Decimal(hours) * self.points_per_hour).quantize(Decimal("0.01"))


def rules_for(district_code):
    """The rules in force in a district: the defaults, the setting's "default", then its own entry."""
    return district_rules(PointsRules, settings.POINTS_RULES, "GOVGRID_POINTS_RULES", district_code)
