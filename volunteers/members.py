"""Whose hours and points a user reads, and their totals: the member's own ledger page, the totals
per member for a community or a work unit, and the work units a user may report on.

| who                                   | reads the ledger and totals of                                   |
|---------------------------------------|------------------------------------------------------------------|
| the member                            | themselves                                                       |
| community staff, grid workers         | the members registered in (home community) or serving in their areas |
| a work unit's contact                 | their unit's members, and nothing of the areas                   |
| leaders, analysts                     | the members of their district: living or serving there, or of its work units |
| administrators                        | everyone                                                         |
| anyone else                           | nobody: a member or a unit outside this is not found (404)       |

A member's totals are always sums of their ledger rows (volunteers.ledger): nothing here keeps one.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound
from grids.models import Assignment, Person, WorkUnit
from grids.models.areas import under_codes

from .ledger import totals
from .models import LedgerEntry

ZERO = Decimal(0)


def members_seen(scope, queryset=None):
    """People whose ledger the scope reads (the table above), as a queryset."""
    people = Person.objects.all() if queryset is None else queryset
    if scope.everything:
        return people
    seen = Q(pk__in=scope.people().values("pk")) | Q(work_unit_id__in=scope.work_units)
    # A district's readers (leaders, analysts) also read the members of the district's work units
    # who live and serve elsewhere: the unit reports to the district's platform.
    seen |= under_codes(scope.read, "work_unit__district__code")
    return people.filter(seen)


def member_seen(scope, person_id, field="person"):
    person = members_seen(scope).filter(pk=person_id).select_related("work_unit").first()
    if person is None:
        raise NotFound(_("No member has the id %(id)s.") % {"id": person_id}, field=field)
    return person


def work_units_seen(scope):
    """The work units a user reports on: their own as its contact, their district's as its reader,
    and those with members they read (a community's staff: the units of its members)."""
    units = WorkUnit.objects.select_related("district")
    if scope.everything:
        return units
    with_members = members_seen(scope).filter(work_unit__isnull=False).values("work_unit_id")
    return units.filter(Q(pk__in=scope.work_units) | under_codes(scope.read, "district__code") | Q(pk__in=with_members))


def work_unit_seen(scope, pk, field="work_unit"):
    unit = work_units_seen(scope).filter(pk=pk).first()
    if unit is None:
        raise NotFound(_("No work unit has the id %(id)s.") % {"id": pk}, field=field)
    return unit


def ledger_page(person):
    """A member's ledger rows, newest first, and their totals (the sums of those rows)."""
    entries = LedgerEntry.objects.filter(person=person)
    rows = entries.select_related("community", "request", "activity").order_by("-on", "-id")
    return {
        "person": {"id": person.pk, "name": person.name},
        "rows": [_ledger_row(entry) for entry in rows],
        "totals": totals(entries),
    }


def _ledger_row(entry):
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "on": entry.on,
        "hours": entry.hours,
        "points": entry.points,
        "community": entry.community.name if entry.community_id else "",
        "request": entry.request.tracking_code if entry.request_id else "",
        "activity": entry.activity.title if entry.activity_id else "",
        "note": entry.note,
    }


def _sums(prefix="ledger__", since=None, until=None):
    """Sum and Count expressions over a person's ledger rows dated in [since, until) (any date
    where not given), for annotating people or aggregating them."""
    dated = Q()
    if since is not None:
        dated &= Q(**{f"{prefix}on__gte": since})
    if until is not None:
        dated &= Q(**{f"{prefix}on__lt": until})
    kind = f"{prefix}kind"
    return {
        "hours": Sum(f"{prefix}hours", filter=dated, default=ZERO),
        "points": Sum(f"{prefix}points", filter=dated, default=ZERO),
        "services": Count(f"{prefix}id", filter=dated & Q(**{kind: LedgerEntry.Kind.SERVICE_HOURS})),
        "rated_services": Count(f"{prefix}id", filter=dated & Q(**{kind: LedgerEntry.Kind.RATED_SERVICE})),
        "activities": Count(f"{prefix}id", filter=dated & Q(**{kind: LedgerEntry.Kind.ACTIVITY_HOURS})),
    }


def member_totals(scope, work_unit=None, within=None, since=None, until=None):
    """One statement: each member the scope reads, of the work unit or registered in (home
    community) or serving in the area `within` (an Area), with the sums of their ledger rows dated
    in [since, until); and the sums over them all."""
    people = members_seen(scope)
    if work_unit is not None:
        people = people.filter(work_unit=work_unit)
    if within is not None:
        serving = Assignment.objects.active().filter(area__code__startswith=within.code).values("person_id")
        people = people.filter(Q(home_community__code__startswith=within.code) | Q(pk__in=serving))
    rows = list(
        people.annotate(**_sums(since=since, until=until))
        .values("id", "name", "work_unit_id", "work_unit__name", *_sums())
        .order_by("name", "id")
    )
    members = [
        {"person": row["id"], "name": row["name"], "work_unit": row["work_unit_id"],
         "work_unit_name": row["work_unit__name"] or "", **{key: row[key] for key in _sums()}}
        for row in rows
    ]  # fmt: skip
    return {"members": members, "totals": {key: sum((row[key] for row in rows), 0) for key in _sums()}}


def unit_totals(scope, units, since, until):
    """{work unit id: {members, hours, points, services, rated_services, activities}} for the
    units, over the members the scope reads and the ledger rows dated in [since, until): one statement."""
    rows = (
        members_seen(scope)
        .filter(work_unit__in=units)
        .values("work_unit_id")
        .annotate(members=Count("id", distinct=True), **_sums(since=since, until=until))
    )
    return {row.pop("work_unit_id"): row for row in rows}
