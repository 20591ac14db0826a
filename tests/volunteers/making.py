"""Rows of a hand-made ledger for the cast (tests/volunteers/conftest.py), credited the way the
services and activities credit them (volunteers.ledger), with their sources: a confirmed request, an
attended activity; and the household visits a member records."""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from grids.models import Assignment, HouseholdLink, Role, Visit
from volunteers import ledger
from volunteers.models import Activity, Attendance, LedgerEntry, ServiceRequest

_made = iter(range(1, 1_000_000))


def d(text):
    return date.fromisoformat(text)


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def served(person, community, grid, on, minutes, rating=None):
    """A service `person` did on `on`, confirmed (and rated): its ledger rows."""
    done = at(on)
    request = ServiceRequest.objects.create(
        tracking_code=f"T{next(_made):08d}",
        client_id=uuid.uuid4(),
        channel=ServiceRequest.Channel.STAFF,
        community=community,
        grid=grid,
        kind="errands",
        description="买菜送药",
        for_whom="elderly_alone",
        status=ServiceRequest.Status.CONFIRMED,
        volunteer=person,
        claimed_at=done - timedelta(hours=2),
        done_at=done,
        minutes=minutes,
        confirmed_at=done + timedelta(hours=3),
        rating=rating,
    )
    return ledger.credit_service(request)


def attended(person, community, on, hours):
    """An activity of the community on `on` that `person` attended: its ledger row."""
    activity = Activity.objects.create(
        community=community,
        title=f"社区清洁日{next(_made)}",
        place="社区广场",
        location=community.geom.point_on_surface,
        starts_at=at(on, 9),
        ends_at=at(on, 9) + timedelta(hours=float(hours)),
        hours=Decimal(str(hours)),
        secret="s",
    )
    attendance = Attendance.objects.create(client_id=uuid.uuid4(), activity=activity, person=person)
    return ledger.credit_activity(attendance)


def corrected(person, community, on, hours, points, note="漏记一次服务"):
    """A correction row dated `on` (ledger.correct dates it today)."""
    return LedgerEntry.objects.create(
        person=person,
        kind=LedgerEntry.Kind.CORRECTION,
        on=on,
        hours=Decimal(str(hours)),
        points=Decimal(str(points)),
        district=community.parent.parent,
        community=community,
        work_unit_id=person.work_unit_id,
        note=note,
    )


def visited(person, on, households=3):
    """A household visit `person` recorded on `on`, through their household link."""
    link = HouseholdLink.objects.filter(person=person).first()
    return Visit.objects.create(
        client_id=uuid.uuid4(), link=link, person=person, grid=link.grid, visited_on=on, households_reached=households
    )


def contact_of(city, unit, name, full_name, password=None):
    """A login for the work unit's contact (their role names the unit; its area is the unit's district)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"{city.code}_{name}", password=password)
    person = city.person(full_name, user=user)
    Assignment.objects.create(
        person=person, role=Role.WORK_UNIT_CONTACT, area=unit.district, work_unit=unit, starts_on=date(2020, 1, 1)
    )
    return user
