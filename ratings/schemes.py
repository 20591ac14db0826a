"""A rating scheme's rules, once: which scheme is in force in a quarter, what a computed criterion's
value is worth, how many stars a total earns, and a new version made from the last one. The
self-assessment, the street's proposal and the dashboard's ranking all count with these."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound

from .indicators import INDICATORS, indicator_values
from .models import Criterion, Scheme

ZERO = Decimal(0)


def quarter_of(day):
    """The first day of the quarter holding `day`."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter(first):
    return date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)


def months_of(first):
    """The first days of the quarter's three months."""
    return [date(first.year, first.month + n, 1) for n in range(3)]


def scheme_in_force(district, day):
    """The district's scheme for the quarter holding `day`: the last version valid from then or before."""
    scheme = Scheme.objects.filter(district=district, valid_from__lte=quarter_of(day)).order_by("-valid_from").first()
    if scheme is None:
        raise NotFound(
            _("%(district)s has no rating scheme for %(day)s.") % {"district": district.name, "day": day},
            field="quarter",
        )
    return scheme


def points_for(criterion, value):
    """A computed criterion's points for a value: those of the first threshold (highest first) the
    value reaches; `none_points` when there was nothing to count; none below every threshold."""
    if value is None:
        return criterion.none_points
    for at_least, points in criterion.thresholds:
        if value >= Decimal(str(at_least)):
            return Decimal(str(points))
    return ZERO


def computed_points(scheme, prefix, level, since, until):
    """{area code: {criterion code: (value, points)}} of the scheme's computed criteria for every
    area of `level` under `prefix` over the days [since, until): the self-assessment's locked values
    and the dashboard's ranking both come from here."""
    criteria = list(scheme.criteria.filter(kind=Criterion.Kind.COMPUTED))
    keys = sorted({c.indicator for c in criteria})
    values = indicator_values(prefix, level, since, until, keys) if keys else {}
    return {code: computed_points_of(scheme, found, criteria) for code, found in values.items()}


def computed_points_of(scheme, found, criteria=None):
    """{criterion code: (value, points)} from an area's indicator values (missing ones count as nothing)."""
    criteria = criteria if criteria is not None else scheme.criteria.filter(kind=Criterion.Kind.COMPUTED)
    return {c.code: (found.get(c.indicator), points_for(c, found.get(c.indicator))) for c in criteria}


def max_points(criteria):
    return sum((c.max_points for c in criteria), ZERO)


def stars_for(scheme, total, most):
    """The stars a total earns out of `most` points: the most stars whose least share it reaches."""
    if not most:
        return 1
    share = 100 * total / most
    for stars in (5, 4, 3, 2):
        if share >= Decimal(str(scheme.star_bands.get(str(stars), 101))):
            return stars
    return 1


def check_criterion(criterion):
    """A criterion that can be counted: a computed one names a known indicator and thresholds from
    the highest down, none worth more than the criterion; deductions are named and positive."""
    errors = {}
    if criterion.kind == Criterion.Kind.COMPUTED:
        if criterion.indicator not in INDICATORS:
            errors["indicator"] = _("Choose one of the indicators: %(keys)s.") % {"keys": ", ".join(INDICATORS)}
        errors |= _threshold_errors(criterion)
        if criterion.none_points > criterion.max_points:
            errors["none_points"] = _("At most the criterion's points.")
    elif criterion.indicator or criterion.thresholds:
        errors["indicator"] = _("A criterion scored by people has no indicator or thresholds.")
    for entry in criterion.deductions if isinstance(criterion.deductions, list) else [None]:
        if not (isinstance(entry, dict) and entry.get("code") and entry.get("name") and _positive(entry.get("points"))):
            errors["deductions"] = _("Each deduction has a code, a name and its points (a number above 0).")
    if errors:
        raise ValidationError(errors)


def _threshold_errors(criterion):
    steps = criterion.thresholds
    shape_ok = (
        isinstance(steps, list)
        and steps
        and all(isinstance(s, list) and len(s) == 2 and all(_number(x) for x in s) for s in steps)
    )
    if not shape_ok:
        return {"thresholds": _("Thresholds are [[at least, points], …], the highest first.")}
    values = [Decimal(str(s[0])) for s in steps]
    if values != sorted(values, reverse=True) or len(set(values)) != len(values):
        return {"thresholds": _("Thresholds go from the highest down, each once.")}
    if any(Decimal(str(s[1])) > criterion.max_points or Decimal(str(s[1])) < 0 for s in steps):
        return {"thresholds": _("A threshold's points are from 0 to the criterion's points.")}
    return {}


def _number(x):
    return isinstance(x, int | float) and not isinstance(x, bool)


def _positive(x):
    return _number(x) and x > 0


@transaction.atomic
def new_version(scheme, valid_from, name=None):
    """A copy of `scheme` with its areas and criteria as the next version, valid from the quarter
    holding `valid_from`: the way to change a scheme a round has used."""
    latest = Scheme.objects.filter(district=scheme.district).order_by("-version").first()
    copy = Scheme.objects.create(
        district=scheme.district,
        version=latest.version + 1,
        name=name or scheme.name,
        valid_from=quarter_of(valid_from),
        star_bands=scheme.star_bands,
        min_reviewers=scheme.min_reviewers,
    )
    for section in scheme.sections.all():
        criteria = list(section.criteria.all())
        section.pk, section.scheme = None, copy
        section.save()
        for criterion in criteria:
            criterion.pk, criterion.scheme, criterion.section = None, copy, section
            criterion.save()
    return copy


@transaction.atomic
def make_scheme(district, valid_from, spec, name, version=1, **fields):
    """A scheme from a description: [(area code, area name, [(code, name, points, rule or
    indicator, thresholds or deductions[, points with nothing to count]), …]), …]: a criterion whose
    fourth item names an indicator is computed with the fifth as its thresholds; otherwise the fourth
    is its scoring rule and the fifth its deductions."""
    scheme = Scheme.objects.create(
        district=district, version=version, name=name, valid_from=quarter_of(valid_from), **fields
    )
    for position, (code, title, criteria) in enumerate(spec):
        section = scheme.sections.create(code=code, name=title, position=position)
        for order, (c_code, c_name, points, rule, extra, *nothing) in enumerate(criteria):
            computed = rule in INDICATORS
            criterion = Criterion(
                scheme=scheme,
                section=section,
                code=c_code,
                name=c_name,
                max_points=Decimal(str(points)),
                kind=Criterion.Kind.COMPUTED if computed else Criterion.Kind.SCORED,
                indicator=rule if computed else "",
                rule="" if computed else rule,
                thresholds=extra if computed else [],
                deductions=[] if computed else extra,
                none_points=Decimal(str(nothing[0])) if nothing else ZERO,
                position=order,
            )
            check_criterion(criterion)
            criterion.save()
    return scheme
