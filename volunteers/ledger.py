"""The points ledger (积分): every credited hour and rated service is one row, written in the
transaction of the change that earned it, never updated or deleted (the database refuses: migration
0002). A member's hours and points are the sums of their rows; nothing else keeps a total.

Each row keeps where it counts as it was when credited (the district, community and grid of the
service or activity; the member's work unit), and the points the district's rules gave then.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from grids.models import Area

from .models import LedgerEntry
from .rules import rules_for

HOURS = Decimal("0.01")


def _district_of(community):
    return Area.objects.get(code=community.code[:6])


def credit_service(request, actor=None):
    """The hours of a confirmed service, and when the resident rated it, the rated service's points:
    one or two rows for the request's volunteer, inside the caller's transaction."""
    rows = service_credits(
        request, rules_for(request.community.code[:6]), _district_of(request.community),
        request.volunteer.work_unit_id, credited_by=actor,
    )  # fmt: skip
    return LedgerEntry.objects.bulk_create(rows)


def service_credits(request, rules, district, work_unit_id, **written):
    """The unsaved rows a confirmed request credits under `rules` (its hours; its rated service when
    rated), counted in its district, community and grid and the volunteer's work unit; `written`
    sets who credited them and when (the demo writes a year of them in bulk)."""
    hours = (Decimal(request.minutes or 0) / 60).quantize(HOURS)
    where = {
        "person_id": request.volunteer_id,
        "on": timezone.localdate(request.done_at or timezone.now()),
        "district": district,
        "community": request.community,
        "grid": request.grid,
        "work_unit_id": work_unit_id,
        "request": request,
        **written,
    }
    rows = [
        LedgerEntry(kind=LedgerEntry.Kind.SERVICE_HOURS, hours=hours, points=rules.points_for_hours(hours), **where)
    ]
    if request.rating is not None:
        rows.append(LedgerEntry(kind=LedgerEntry.Kind.RATED_SERVICE, points=rules.points_per_rated_service, **where))
    return rows


def credit_activity(attendance, actor=None):
    """The activity's hours for a member who attended it, inside the caller's transaction."""
    activity = attendance.activity
    rules = rules_for(activity.community.code[:6])
    return LedgerEntry.objects.create(
        person=attendance.person,
        kind=LedgerEntry.Kind.ACTIVITY_HOURS,
        on=timezone.localdate(activity.starts_at),
        hours=activity.hours,
        points=rules.points_for_hours(activity.hours),
        district=_district_of(activity.community),
        community=activity.community,
        work_unit_id=attendance.person.work_unit_id,
        activity=activity,
        credited_by=actor,
    )


def correct(person, community, hours, points, note, actor):
    """A correction row (a mistake set right, never an edit): hours and points may be negative."""
    note = (note or "").strip()
    if not note:
        raise GovgridError(_("Say why the ledger is corrected."), field="note")
    try:
        hours, points = Decimal(str(hours)).quantize(HOURS), Decimal(str(points)).quantize(HOURS)
    except ArithmeticError:
        raise GovgridError(_("Give hours and points as numbers."), field="hours") from None
    if not hours and not points:
        raise GovgridError(_("A correction changes hours or points."), field="hours")
    with transaction.atomic():
        return LedgerEntry.objects.create(
            person=person,
            kind=LedgerEntry.Kind.CORRECTION,
            on=timezone.localdate(),
            hours=hours,
            points=points,
            district=_district_of(community),
            community=community,
            work_unit_id=person.work_unit_id,
            note=note[:300],
            credited_by=actor,
        )


def totals(entries):
    """{hours, points, services, activities} over ledger rows (a queryset)."""
    sums = entries.aggregate(
        hours=Sum("hours", default=Decimal(0)),
        points=Sum("points", default=Decimal(0)),
        services=Count("id", filter=Q(kind=LedgerEntry.Kind.SERVICE_HOURS)),
        activities=Count("id", filter=Q(kind=LedgerEntry.Kind.ACTIVITY_HOURS)),
    )
    return sums


def purge_district(code):
    """Delete every volunteer record of a district (demo reloads, tests): the ledger and requests'
    steps are otherwise append-only, and the triggers let this transaction through."""
    from grids.models import PartyMeeting, Visit

    from .models import Activity, Attendance, ServiceRequest, Team, VisitFinding

    with transaction.atomic():
        with connection.cursor() as cursor:  # the setting migration 0002's trigger reads
            cursor.execute("SET LOCAL govgrid.purge_volunteers = 'on'")
        LedgerEntry.objects.filter(district__code=code).delete()
        VisitFinding.objects.filter(
            Q(visit__grid__code__startswith=code) | Q(meeting__area__code__startswith=code)
        ).delete()
        ServiceRequest.objects.filter(community__code__startswith=code).delete()
        Attendance.objects.filter(activity__community__code__startswith=code).delete()
        Activity.objects.filter(community__code__startswith=code).delete()
        Team.objects.filter(community__code__startswith=code).delete()
        Visit.objects.filter(grid__code__startswith=code).delete()
        PartyMeeting.objects.filter(area__code__startswith=code).delete()
