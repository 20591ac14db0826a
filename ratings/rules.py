"""The rating rules of a district, from GOVGRID_RATING_RULES: the largest share of a street's
communities that may be five-star (taken when a round opens), and the pay rule (taken when stars
are published, and kept with them, so a rule changed later never rewrites a past pay sheet)."""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings

from govgrid.lib.district_rules import district_rules

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RatingRules:
    five_star_share: Decimal = Decimal("0.2")
    base_pay: Decimal = Decimal(1300)  # the secretary's, yuan a month
    pay_per_star: Decimal = Decimal(500)
    others_share: Decimal = Decimal("0.7")  # the other committee members', of their secretary's pay


def rules_for(district_code):
    return district_rules(RatingRules, settings.RATING_RULES, "GOVGRID_RATING_RULES", district_code)


def five_star_quota(share, communities):
    """How many of a street's `communities` may be five-star: the share of them, rounded down."""
    return int((Decimal(share) * communities).to_integral_value(rounding=ROUND_FLOOR))


def secretary_pay(record):
    """A secretary's pay a month under the stars in force (a StarRecord and the rule it keeps)."""
    return (record.base_pay + record.pay_per_star * record.stars).quantize(CENT)


def member_pay(record):
    return (secretary_pay(record) * record.others_share).quantize(CENT)
