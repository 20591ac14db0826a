"""Activities a community publishes, and members signing up for them: who may publish and what an
activity may say, the version check of a change, who may sign up, and the last place taken by one
member when two ask at once (through real concurrent connections to the served app)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from govgrid.lib import coords
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.scopes import Forbidden
from tests.conftest import post_json
from tests.incidents.browsing import token_of
from volunteers import activities
from volunteers.models import Activity, SignUp, Team

from .activity_helpers import clock, place_of, publish

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def api_body(cast, **fields):
    place = place_of(cast)
    starts_at = timezone.now() + timedelta(days=1)
    return {
        "community": cast.community.code,
        "title": "敬老院陪伴",
        "place": "社区养老服务站",
        "lon": place.x,
        "lat": place.y,
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
        "hours": "3",
    } | fields


# --- publishing ---------------------------------------------------------------------------------


def test_community_staff_publish_an_activity_with_its_own_secret(cast):
    answer = client_of(cast["sun"]).post("/api/v1/activities/", api_body(cast, capacity=20), "application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["title"], body["capacity"], body["places_left"], body["hours"], body["version"]) == (
        "敬老院陪伴", 20, 20, "3.00", 1
    )  # fmt: skip
    activity = Activity.objects.get(pk=body["id"])
    assert len(activity.secret) == 64 and activity.organiser == cast["sun"]
    assert "secret" not in body
    assert activity.secret != publish(cast).secret


def test_a_place_given_on_a_chinese_map_is_stored_in_wgs84(cast):
    place = place_of(cast)
    lon, lat = coords.from_wgs84(place.x, place.y, "gcj02")
    activity = publish(cast, lon=lon, lat=lat, crs="gcj02")
    assert abs(activity.location.x - place.x) < 1e-7 and abs(activity.location.y - place.y) < 1e-7


def test_a_grid_worker_does_not_publish_for_the_whole_community(cast):
    """Their scope is their grid: the community is not in it."""
    with pytest.raises(NotFound):
        activities.publish(
            cast["zhou"], cast.community.code, title="x", place="y", lon=place_of(cast).x, lat=place_of(cast).y,
            starts_at=timezone.now() + timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2), hours=1,
        )  # fmt: skip
    assert not Activity.objects.exists()


def test_an_activity_credits_at_most_its_length_and_an_hour(cast):
    with pytest.raises(GovgridError) as refused:
        publish(cast, length=timedelta(hours=2), hours=Decimal("3.5"))
    assert refused.value.field == "hours" and "3.00" in str(refused.value.message)
    assert publish(cast, length=timedelta(hours=2), hours=Decimal("3")).hours == Decimal("3.00")


@pytest.mark.parametrize("hours", ["0", "-1", "24.5", "abc"])
def test_hours_are_more_than_nothing_and_at_most_a_day(cast, hours):
    with pytest.raises(GovgridError) as refused:
        publish(cast, length=timedelta(days=2), hours=hours)
    assert refused.value.field == "hours"


def test_an_activity_ends_after_it_starts(cast):
    answer = client_of(cast["sun"]).post(
        "/api/v1/activities/", api_body(cast, ends_at=(timezone.now() + timedelta(hours=20)).isoformat()),
        "application/json",
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["field"] == "ends_at"
    assert not Activity.objects.exists()


def test_an_activity_that_already_ended_is_not_published(cast):
    with pytest.raises(GovgridError) as refused:
        publish(cast, starts_in=-timedelta(hours=3), length=timedelta(hours=2))
    assert refused.value.field == "ends_at"


def test_a_place_outside_the_district_is_refused(cast):
    answer = client_of(cast["sun"]).post(
        "/api/v1/activities/", api_body(cast, lon=112.09, lat=32.69), "application/json"
    )  # in 邓州市, another district
    assert answer.status_code == 400 and answer.json()["field"] == "location"


def test_a_team_of_another_community_is_refused(cast):
    elsewhere = Team.objects.create(name="别处的队", community=cast.other_community)
    with pytest.raises(GovgridError) as refused:
        publish(cast, team=elsewhere.pk)
    assert refused.value.field == "team"
    assert publish(cast, team=cast.team.pk).team == cast.team


# --- changing and cancelling --------------------------------------------------------------------


def test_an_edit_with_the_version_read_changes_it_and_a_stale_one_gets_409(cast):
    activity = publish(cast)
    sun = client_of(cast["sun"])
    path = f"/api/v1/activities/{activity.pk}/"
    first = sun.patch(path, {"version": 1, "place": "2号楼门前", "capacity": 10}, "application/json")
    assert first.status_code == 200, first.content
    assert (first.json()["place"], first.json()["capacity"], first.json()["version"]) == ("2号楼门前", 10, 2)
    stale = sun.patch(path, {"version": 1, "title": "改名"}, "application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert Activity.objects.get(pk=activity.pk).title == "清理楼道小广告"


def test_the_places_cannot_be_fewer_than_those_signed_up(cast):
    activity = publish(cast)
    for name in ("li", "zhang"):
        activities.sign_up(cast[name], activity.pk)
    with pytest.raises(GovgridError) as refused:
        activities.edit(cast["sun"], activity.pk, 1, capacity=1)
    assert refused.value.field == "capacity"


def test_a_cancelled_activity_takes_no_sign_up(cast):
    activity = publish(cast)
    answer = client_of(cast["sun"]).post(
        f"/api/v1/activities/{activity.pk}/cancel/", {"version": 1}, "application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    refused = client_of(cast["li"]).post(f"/api/v1/activities/{activity.pk}/sign-up/")
    assert refused.status_code == 409 and refused.json()["code"] == "cancelled"


# --- signing up ---------------------------------------------------------------------------------


def test_a_member_signs_up_once_and_sees_their_place(cast):
    activity = publish(cast, capacity=5)
    li = client_of(cast["li"])
    path = f"/api/v1/activities/{activity.pk}/sign-up/"
    assert li.post(path).status_code == 201
    assert li.post(path).status_code == 200  # signing up again is the same sign-up
    assert SignUp.objects.filter(activity=activity).count() == 1
    [row] = li.get(f"/api/v1/activities/?within={cast.community.code}&when=upcoming").json()
    assert (row["mine"], row["signed_up"], row["places_left"]) == ({"signed_up": True, "attended": False}, 1, 4)


@pytest.mark.parametrize("name", ["chen", "qian", "zhao"])
def test_anyone_serving_in_the_district_signs_up(cast, name):
    """chen only through the community's team, qian from the other community, zhao in the grid's team."""
    activity = publish(cast)
    sign_up, created = activities.sign_up(cast[name], activity.pk)
    assert created and sign_up.person == cast.person[name]


def test_someone_serving_elsewhere_does_not_find_the_activity(cast):
    stranger = get_user_model().objects.create_user("990003_stranger")
    cast.city.person("路人甲", user=stranger)
    activity = publish(cast)
    assert client_of(stranger).post(f"/api/v1/activities/{activity.pk}/sign-up/").status_code == 404
    assert client_of(stranger).get("/api/v1/activities/").json() == []


def test_a_login_without_a_person_is_told_so(cast):
    script = get_user_model().objects.create_user("990003_script")
    with pytest.raises(Forbidden):
        activities.sign_up(script, publish(cast).pk)


def test_the_last_place_goes_to_the_first_and_the_next_gets_409_full(cast):
    activity = publish(cast, capacity=1)
    activities.sign_up(cast["li"], activity.pk)
    answer = client_of(cast["zhang"]).post(f"/api/v1/activities/{activity.pk}/sign-up/")
    assert answer.status_code == 409 and answer.json()["code"] == "full"


def test_a_place_given_back_is_free_again(cast):
    activity = publish(cast, capacity=1)
    activities.sign_up(cast["li"], activity.pk)
    answer = client_of(cast["li"]).delete(f"/api/v1/activities/{activity.pk}/sign-up/")
    assert answer.status_code == 200 and answer.json()["cancelled_at"]
    assert activities.sign_up(cast["zhang"], activity.pk)[1]
    with pytest.raises(Conflict) as refused:
        activities.sign_up(cast["li"], activity.pk)
    assert refused.value.extra["code"] == "full"


def test_no_sign_up_once_the_activity_is_over(cast, monkeypatch):
    activity = publish(cast)
    clock(monkeypatch).at = activity.ends_at + timedelta(minutes=1)
    with pytest.raises(Conflict) as refused:
        activities.sign_up(cast["li"], activity.pk)
    assert refused.value.extra["code"] == "ended"


def test_withdrawing_without_a_sign_up_is_404(cast):
    with pytest.raises(NotFound):
        activities.withdraw(cast["li"], publish(cast).pk)


# --- reading ------------------------------------------------------------------------------------


def test_staff_read_who_signed_up_and_members_only_their_own(cast):
    activity = publish(cast)
    activities.sign_up(cast["li"], activity.pk)
    path = f"/api/v1/activities/{activity.pk}/"
    staff = client_of(cast["sun"]).get(path).json()
    assert [s["name"] for s in staff["sign_ups"]] == ["李明"] and staff["may_change"]
    member = client_of(cast["zhang"]).get(path).json()
    assert "sign_ups" not in member and not member["may_change"] and member["signed_up"] == 1


def test_the_list_takes_a_community_and_upcoming_or_past(cast, monkeypatch):
    soon = publish(cast, title="明天的活动")
    other = activities.publish(
        cast["sun"], cast.community.code, title="后天的活动", place="x", lon=soon.location.x, lat=soon.location.y,
        starts_at=soon.starts_at + timedelta(days=1), ends_at=soon.ends_at + timedelta(days=1), hours=1,
    )  # fmt: skip
    Activity.objects.filter(pk=other.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2, hours=-1)
    )
    sun = client_of(cast["sun"])
    upcoming = sun.get(f"/api/v1/activities/?within={cast.community.code}&when=upcoming").json()
    past = sun.get(f"/api/v1/activities/?within={cast.community.code}&when=past").json()
    assert [r["title"] for r in upcoming] == ["明天的活动"] and [r["title"] for r in past] == ["后天的活动"]
    assert sun.get(f"/api/v1/activities/?within={cast.other_community.code}").json() == []
    assert sun.get("/api/v1/activities/?within=411381001001").status_code == 404  # a district sun does not serve in


# --- two at once, through the served app --------------------------------------------------------


@pytest.fixture(scope="module")
def served_cast_city(django_db_setup, django_db_blocker):
    """The cast in a committed city (the served app sees it), logging in with the demo's password."""
    from tests.conftest import committed_city
    from tests.incidents.conftest import demo_password_hash

    from .conftest import add_cast

    def people(city):
        city.cast = add_cast(city)
        for name in ("li", "zhang"):
            city.cast[name].password = demo_password_hash()
            city.cast[name].save(update_fields=["password"])

    with committed_city(django_db_blocker, people, code="990071", origin=(113.9, 32.9)) as city:
        yield city


@pytest.fixture(scope="module")
def last_place(served_cast_city, django_db_blocker):
    """An activity of one place, committed (outside the test's transaction) so the server sees it."""
    with django_db_blocker.unblock():
        return publish(served_cast_city.cast, capacity=1)


def test_two_members_taking_the_last_place_at_once_one_gets_it_the_other_409_full(
    served_app, served_cast_city, last_place, django_db_blocker
):
    cast, activity = served_cast_city.cast, last_place
    names = ("li", "zhang")
    try:
        tokens = {name: token_of(served_app, cast[name].username) for name in names}
        answers, start = [], threading.Barrier(2)

        def take(name):
            start.wait()
            answers.append(post_json(served_app, f"/api/v1/activities/{activity.pk}/sign-up/", {}, tokens[name]))

        threads = [threading.Thread(target=take, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(status for status, _ in answers) == [201, 409]
        refused = next(answer for status, answer in answers if status == 409)
        assert refused["code"] == "full" and refused["field"] == "activity"
        with django_db_blocker.unblock():
            assert SignUp.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 1
    finally:
        with django_db_blocker.unblock():
            Token.objects.filter(user__in=[cast[name] for name in names]).delete()
