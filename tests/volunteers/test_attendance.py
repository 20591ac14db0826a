"""Attendance on site: a member checks in with the organiser's rotating code, near enough to the
activity's place, inside the check-in window; the hours go to the ledger once, with the district's
points rule; the organiser records by hand someone without a phone."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from govgrid.lib.errors import Conflict, GovgridError
from volunteers import activities, attendance_codes
from volunteers.ledger import credit_activity
from volunteers.models import Attendance, LedgerEntry, SignUp

from .activity_helpers import check_in, clock, code_at, east_of, north_of, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch, settings):
    """The clock of volunteers.activities, set by the tests; codes change every minute."""
    settings.ACTIVITY_CODE_SECONDS = 60
    return clock(monkeypatch)


@pytest.fixture
def activity(cast, now):
    """A two-hour activity an hour from now crediting 2 hours, 100 m around the grid's middle; the
    clock then set ten minutes into it."""
    made = publish(cast, capacity=3)
    now.at = made.starts_at + timedelta(minutes=10)
    return made


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


# --- the code -----------------------------------------------------------------------------------


def test_a_code_is_six_digits_and_changes_with_the_time_step(activity):
    start = attendance_codes.step_at(activity.starts_at)
    codes = {attendance_codes.code_for(activity.secret, step) for step in range(start, start + 20)}
    assert all(len(code) == 6 and code.isdigit() for code in codes) and len(codes) >= 19
    assert attendance_codes.code_for(activity.secret, start) != attendance_codes.code_for("another secret", start)


def test_the_code_of_the_step_before_is_accepted_and_older_ones_are_not(cast, activity, now):
    read_at = now.at
    code = code_at(activity, read_at)
    now.at = read_at + timedelta(seconds=60)  # the next step: the code read is the previous one
    assert attendance_codes.accepts(activity, code, now.at)
    now.at = read_at + timedelta(seconds=120)
    with pytest.raises(GovgridError) as refused:
        check_in(cast, "li", activity, read_at)
    assert refused.value.field == "code" and refused.value.extra["code"] == "wrong_code"
    assert not Attendance.objects.exists() and not LedgerEntry.objects.exists()


def test_a_wrong_code_is_refused_naming_the_code(cast, activity, now):
    right = code_at(activity, now.at)
    wrong = str((int(right) + 1) % 10**6).zfill(6)
    answer = client_of(cast["li"]).post(
        f"/api/v1/activities/{activity.pk}/check-in/",
        {"client_id": str(uuid.uuid4()), "code": wrong, "lon": activity.location.x, "lat": activity.location.y},
        "application/json",
    )
    assert answer.status_code == 400 and answer.json()["field"] == "code"


def test_the_organiser_reads_the_code_of_now_and_members_do_not(cast):
    activity = publish(cast, starts_in=-timedelta(minutes=10))  # under way by the real clock
    answer = client_of(cast["sun"]).get(f"/api/v1/activities/{activity.pk}/code/")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["state"] == "open" and 1 <= body["seconds_left"] <= 60
    assert body["code"] == attendance_codes.code_for(activity.secret, body["step"])
    assert client_of(cast["li"]).get(f"/api/v1/activities/{activity.pk}/code/").status_code == 403
    later = publish(cast, starts_in=timedelta(hours=2))
    body = client_of(cast["sun"]).get(f"/api/v1/activities/{later.pk}/code/").json()
    assert (body["state"], body["code"]) == ("early", None)


# --- the time window -----------------------------------------------------------------------------


def test_check_in_opens_half_an_hour_before_the_start_and_closes_half_an_hour_after_the_end(cast, activity, now):
    now.at = activity.starts_at - timedelta(minutes=31)
    with pytest.raises(Conflict) as early:
        check_in(cast, "li", activity, now.at)
    assert early.value.extra["code"] == "not_open"
    now.at = activity.ends_at + timedelta(minutes=31)
    with pytest.raises(Conflict) as late:
        check_in(cast, "li", activity, now.at)
    assert late.value.extra["code"] == "closed"
    now.at = activity.starts_at - timedelta(minutes=29)
    assert check_in(cast, "li", activity, now.at)[1]


# --- the place -----------------------------------------------------------------------------------


def test_a_member_far_from_the_place_is_told_how_far(cast, activity, now):
    answer = client_of(cast["li"]).post(
        f"/api/v1/activities/{activity.pk}/check-in/",
        {
            "client_id": str(uuid.uuid4()),
            "code": code_at(activity, now.at),
            "lon": activity.location.x,
            "lat": north_of(activity.location, 500).y,
            "accuracy_m": 20,
        },
        "application/json",
    )
    body = answer.json()
    assert answer.status_code == 400 and body["field"] == "location"
    assert 495 <= body["metres"] <= 505 and body["allowed_m"] == 120
    assert not Attendance.objects.exists()


def test_a_vague_position_counts_for_at_most_the_accuracy_cap(cast, activity, now, settings):
    settings.ACTIVITY_MAX_ACCURACY_M = 100
    far = east_of(activity.location, 250)
    with pytest.raises(GovgridError) as refused:
        check_in(cast, "li", activity, now.at, at=far, accuracy_m=2000)  # a cell tower's guess
    assert refused.value.field == "location" and refused.value.extra["allowed_m"] == 200
    near = east_of(activity.location, 150)
    attendance, created = check_in(cast, "li", activity, now.at, at=near, accuracy_m=60)
    assert created and 145 <= attendance.metres <= 155


# --- the credit -----------------------------------------------------------------------------------


def test_a_check_in_writes_the_attendance_and_the_ledger_with_the_districts_rule(cast, activity, now, settings):
    settings.POINTS_RULES = {"default": {"points_per_hour": 1}, "990003": {"points_per_hour": 3}}
    activities.sign_up(cast["li"], activity.pk)
    answer = client_of(cast["li"]).post(
        f"/api/v1/activities/{activity.pk}/check-in/",
        {
            "client_id": str(uuid.uuid4()),
            "code": code_at(activity, now.at),
            "lon": activity.location.x,
            "lat": activity.location.y,
            "accuracy_m": 8,
        },
        "application/json",
    )
    assert answer.status_code == 201, answer.content
    assert (answer.json()["hours"], answer.json()["points"]) == ("2.00", "6.00")
    credit = LedgerEntry.objects.get(person=cast.person["li"])
    assert (credit.kind, credit.activity_id, credit.hours, credit.points) == (
        "activity_hours", activity.pk, Decimal("2.00"), Decimal("6.00")
    )  # fmt: skip
    assert (credit.district, credit.community, credit.work_unit, credit.credited_by) == (
        cast.city.district, cast.community, cast.school, None
    )  # fmt: skip
    attendance = Attendance.objects.get(person=cast.person["li"])
    assert attendance.metres < 1 and attendance.recorded_by is None


def test_a_check_in_sent_again_is_the_same_attendance_credited_once(cast, activity, now):
    client_id = uuid.uuid4()
    first, created = check_in(cast, "li", activity, now.at, client_id=client_id)
    now.at += timedelta(minutes=5)  # the answer was lost; the phone sends it again later, the code long changed
    again, created_again = check_in(cast, "li", activity, now.at, client_id=client_id, code="000000")
    other_tap, created_other = check_in(cast, "li", activity, now.at)  # a second tap: a new client_id
    assert created and not created_again and not created_other
    assert first.pk == again.pk == other_tap.pk
    assert LedgerEntry.objects.filter(activity=activity, person=cast.person["li"]).count() == 1


def test_a_client_id_of_someone_elses_attendance_is_refused(cast, activity, now):
    client_id = uuid.uuid4()
    check_in(cast, "li", activity, now.at, client_id=client_id)
    with pytest.raises(Conflict) as refused:
        check_in(cast, "zhang", activity, now.at, client_id=client_id)
    assert refused.value.field == "client_id"


def test_the_ledger_refuses_a_second_credit_of_one_attendance(cast, activity, now):
    attendance, _created = check_in(cast, "li", activity, now.at)
    with pytest.raises(IntegrityError), transaction.atomic():
        credit_activity(attendance)
    assert LedgerEntry.objects.filter(activity=activity).count() == 1


def test_someone_not_signed_up_checks_in_while_there_is_room_but_not_when_full(cast, now):
    activity = publish(cast, capacity=1)
    now.at = activity.starts_at
    walk_in, created = check_in(cast, "zhang", activity, now.at)
    assert created and SignUp.objects.get(activity=activity, person=cast.person["zhang"]).cancelled_at is None
    with pytest.raises(Conflict) as refused:
        check_in(cast, "li", activity, now.at)
    assert refused.value.extra["code"] == "full"
    assert not Attendance.objects.filter(person=cast.person["li"]).exists()


def test_guessing_codes_is_stopped_after_ten_tries(cast, activity, now):
    wrong = str((int(code_at(activity, now.at)) + 7) % 10**6).zfill(6)
    for _try in range(10):
        with pytest.raises(GovgridError) as refused:
            check_in(cast, "li", activity, now.at, code=wrong)
        assert refused.value.field == "code" and refused.value.status == 400
    with pytest.raises(GovgridError) as stopped:
        check_in(cast, "li", activity, now.at)
    assert stopped.value.status == 429


# --- by hand, and what attendance freezes ----------------------------------------------------------


def test_the_organiser_records_a_member_without_a_phone_once(cast, activity):
    sun = client_of(cast["sun"])
    path = f"/api/v1/activities/{activity.pk}/attendance/"
    first = sun.post(path, {"person": cast.person["chen"].pk}, "application/json")
    again = sun.post(path, {"person": cast.person["chen"].pk}, "application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    attendance = Attendance.objects.get(person=cast.person["chen"])
    assert attendance.recorded_by == cast["sun"] and attendance.location is None
    credit = LedgerEntry.objects.get(person=cast.person["chen"])
    assert credit.credited_by == cast["sun"] and credit.hours == Decimal("2.00")


def test_a_member_cannot_record_anyone_by_hand(cast, activity):
    answer = client_of(cast["li"]).post(
        f"/api/v1/activities/{activity.pk}/attendance/", {"person": cast.person["zhang"].pk}, "application/json"
    )
    assert answer.status_code in (403, 404) and not Attendance.objects.exists()


def test_once_someone_attended_the_hours_stay_and_the_activity_is_not_cancelled(cast, activity, now):
    check_in(cast, "li", activity, now.at)
    with pytest.raises(Conflict) as hours:
        activities.edit(cast["sun"], activity.pk, 1, hours=Decimal("1"))
    assert hours.value.extra["code"] == "attended" and hours.value.field == "hours"
    with pytest.raises(Conflict) as cancelled:
        activities.cancel(cast["sun"], activity.pk, 1)
    assert cancelled.value.extra["code"] == "attended"
    assert activities.edit(cast["sun"], activity.pk, 1, place="1号楼东门").version == 2
