"""Who sees and changes what, by the named accounts of the demo's cast (design.md) in a small drawn
city (tests/grids/cast.py), through the API and through Scope.

The people: `grid_worker` and `grid_worker_2` each work one grid in different streets;
`community_dispatcher` dispatches the community of grid_worker's grid and `street_dispatcher` its
street; `leader` and `analyst` read the whole district; `admin` is the superuser. Each grid has a
service team and a volunteer. Each one's areas are read back from their active assignments in the
database, never written into the tests.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from govgrid.lib.errors import GovgridError
from grids.models import Area, Assignment, HouseholdLink, Person, Role
from grids.scopes import Scope
from tests.conftest import DRAWN_DISTRICT, draw_city
from tests.grids.cast import CAST_LAYOUT

LAYOUT = CAST_LAYOUT | {"communities": 2}  # a community beside community_dispatcher's
DISTRICT = "411381"  # the demo's
MASKED_PHONE = re.compile(r"^1[0-9]{2}\*{4}[0-9]{4}$")
TEAM = 4  # service team members of each grid


@pytest.fixture
def city(db):
    """The cast in a small drawn city (LAYOUT), each grid with a service team of TEAM and a volunteer, everyone
    with a year of birth."""
    city = draw_city(**LAYOUT).staff()
    Person.objects.filter(user__in=city.users.values()).update(birth_year=1980)
    for grid in city.grids:
        for n in range(1, TEAM + 1):
            city.serve(city.person(f"{grid.name}队员{n}", birth_year=1960 + n), Role.SERVICE_TEAM_MEMBER, grid)
        city.serve(city.person(f"{grid.name}志愿者", birth_year=1995), Role.VOLUNTEER, grid)
    return city


def person(city, name):
    return Person.objects.get(user=city.users[name])


def area_of(city, name, role):
    """The code of the one area where this account of the cast holds this role today."""
    (code,) = (
        Assignment.objects.active()
        .filter(person__user=city.users[name], role=role)
        .values_list("area__code", flat=True)
    )
    return code


def grid_of(city, name):
    return area_of(city, name, Role.GRID_WORKER)


def dispatched_by(city, name):
    return area_of(city, name, Role.DISPATCHER)


def codes(body):
    return {feature["id"] for feature in body["features"]}


def people_serving_in(code):
    """People with an active assignment in the area or anywhere inside it."""
    ids = Assignment.objects.active().filter(area__code__startswith=code).values("person_id")
    return Person.objects.filter(pk__in=ids)


def listed_people(client, **params):
    response = client.get("/api/v1/people/", {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None, "the test expects one page"
    return body["results"]


# --- grid_worker and grid_worker_2 ---------------------------------------------------------------


def test_the_two_grid_workers_work_different_grids_in_different_streets(city):
    mine, theirs = grid_of(city, "grid_worker"), grid_of(city, "grid_worker_2")
    assert Area.objects.get(code=mine).level == Area.objects.get(code=theirs).level == "grid"
    assert mine[:9] != theirs[:9]


def test_grid_worker_gets_404_for_grid_worker_2s_grid(city):
    theirs = grid_of(city, "grid_worker_2")
    response = city.client("grid_worker").get(f"/api/v1/areas/{theirs}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_grid_worker_gets_404_for_the_coverage_of_grid_worker_2s_grid(city):
    response = city.client("grid_worker").get("/api/v1/coverage/grids/", {"within": grid_of(city, "grid_worker_2")})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_grid_worker_gets_404_for_the_people_of_grid_worker_2s_grid(city):
    response = city.client("grid_worker").get("/api/v1/people/", {"within": grid_of(city, "grid_worker_2")})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_grid_worker_may_not_change_grid_worker_2s_grid_which_does_not_exist_for_them(city):
    scope = Scope.for_user(city.users["grid_worker"])
    theirs = grid_of(city, "grid_worker_2")
    assert not scope.changes(theirs)
    with pytest.raises(GovgridError) as refused:
        scope.check_changes(theirs)
    assert refused.value.status == 404


def test_grid_worker_sees_its_own_grid_and_nothing_else(city):
    mine = grid_of(city, "grid_worker")
    client = city.client("grid_worker")
    assert client.get(f"/api/v1/areas/{mine}/").json()["id"] == mine
    assert codes(client.get("/api/v1/areas/").json()) == {mine}
    coverage = client.get("/api/v1/coverage/grids/", {"within": mine}).json()
    assert [feature["id"] for feature in coverage["features"]] == [mine]


def test_grid_worker_does_not_see_the_community_around_its_grid(city):
    community = grid_of(city, "grid_worker")[:12]
    assert city.client("grid_worker").get(f"/api/v1/areas/{community}/").status_code == 404


def test_grid_worker_may_change_its_own_grid(city):
    scope = Scope.for_user(city.users["grid_worker"])
    mine = grid_of(city, "grid_worker")
    assert scope.changes(mine)
    scope.check_changes(mine)  # no error


# --- dispatchers ---------------------------------------------------------------------------------


def test_community_dispatcher_sees_exactly_the_grids_of_its_community(city):
    community = dispatched_by(city, "community_dispatcher")
    assert Area.objects.get(code=community).level == "community"
    body = city.client("community_dispatcher").get("/api/v1/areas/", {"level": "grid"}).json()
    expected = set(Area.objects.within(community).grids().values_list("code", flat=True))
    assert len(expected) > 1
    assert codes(body) == expected
    assert body["count"] == len(expected)


def test_community_dispatcher_gets_404_for_the_street_above_its_community(city):
    street = dispatched_by(city, "community_dispatcher")[:9]
    client = city.client("community_dispatcher")
    assert client.get(f"/api/v1/areas/{street}/").status_code == 404
    assert client.get("/api/v1/areas/", {"within": street}).status_code == 404


def test_community_dispatcher_may_change_its_community_but_not_a_neighbouring_one(city):
    community = dispatched_by(city, "community_dispatcher")
    neighbour = Area.objects.filter(parent__code=community[:9]).exclude(code=community).first()
    scope = Scope.for_user(city.users["community_dispatcher"])
    assert scope.changes(community)
    assert not scope.sees(neighbour.code) and not scope.changes(neighbour.code)


def test_street_dispatcher_sees_its_whole_street(city):
    street = dispatched_by(city, "street_dispatcher")
    assert Area.objects.get(code=street).level == "street"
    body = city.client("street_dispatcher").get("/api/v1/areas/").json()
    assert codes(body) == set(Area.objects.within(street).values_list("code", flat=True))


def test_street_dispatcher_sees_nothing_of_another_street(city):
    street = dispatched_by(city, "street_dispatcher")
    other = Area.objects.filter(level="street", code__startswith=city.code).exclude(code=street).order_by("code")
    other = other.first().code
    a_grid_there = Area.objects.within(other).grids().order_by("code").first().code
    client = city.client("street_dispatcher")
    assert client.get(f"/api/v1/areas/{other}/").status_code == 404
    assert client.get(f"/api/v1/areas/{a_grid_there}/").status_code == 404
    assert client.get("/api/v1/areas/", {"within": other}).status_code == 404
    assert client.get("/api/v1/coverage/grids/", {"within": other}).status_code == 404
    assert client.get(f"/api/v1/areas/{city.code}/").status_code == 404


# --- leader and analyst --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "name", "role"), [("zhou", "周立德", Role.LEADER), ("wu", "吴思源", Role.ANALYST)]
)
def test_a_leader_and_an_analyst_see_every_grid_of_their_district_and_none_of_another(drawn_city, username, name, role):
    # Zhou leads and Wu analyses the drawn city: 3 street-level areas × 2 communities × 2 grids.
    client = Client()
    client.force_login(drawn_city.account(username, name, role, drawn_city.district))
    body = client.get("/api/v1/areas/", {"level": "grid"}).json()
    assert body["count"] == len(drawn_city.grids) == 12
    assert codes(body) == drawn_city.grid_codes()  # and none of the demo city's
    assert client.get(f"/api/v1/areas/{DISTRICT}/").status_code == 404


@pytest.mark.parametrize("username", ["leader", "analyst"])
def test_the_demo_leader_and_analyst_see_every_grid_of_the_demo_district_and_none_of_another(
    login, drawn_city, username
):
    body = login(username).get("/api/v1/areas/", {"level": "grid"}).json()
    expected = set(Area.objects.within(DISTRICT).grids().values_list("code", flat=True))
    assert codes(body) == expected and body["count"] == len(expected)
    assert login(username).get(f"/api/v1/areas/{drawn_city.code}/").status_code == 404


@pytest.mark.parametrize("username", ["leader", "analyst"])
def test_leader_and_analyst_may_change_nothing_anywhere(city, username):
    scope = Scope.for_user(city.users[username])
    every_code = list(Area.objects.within(city.code).values_list("code", flat=True))
    assert all(scope.sees(code) for code in every_code)
    assert not any(scope.changes(code) for code in every_code)


@pytest.mark.parametrize("username", ["leader", "analyst"])
@pytest.mark.parametrize("where", ["district", "grid"])
def test_leader_and_analyst_are_refused_a_change_with_403(city, username, where):
    code = city.code if where == "district" else grid_of(city, "grid_worker")
    with pytest.raises(GovgridError) as refused:
        Scope.for_user(city.users[username]).check_changes(code)
    assert refused.value.status == 403
    assert refused.value.code == "forbidden"


def test_leader_cannot_open_the_admin(city):
    response = city.client("leader").get("/admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


def test_admin_can_open_the_admin(city):
    assert city.client("admin").get("/admin/").status_code == 200


# --- anonymous -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/areas/", "/api/v1/coverage/grids/", "/api/v1/coverage/summary/", "/api/v1/people/"]
)
def test_an_anonymous_caller_gets_401_from_the_api(db, path):
    response = Client().get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_anonymous_caller_has_an_empty_scope(db):
    scope = Scope.for_user(AnonymousUser())
    assert not scope.sees_anything and not scope.sees(DRAWN_DISTRICT)


def test_an_anonymous_visitor_of_the_map_is_sent_to_the_login_page(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- personal data -------------------------------------------------------------------------------


def test_community_dispatcher_sees_the_phones_of_people_serving_in_its_community(city):
    community = dispatched_by(city, "community_dispatcher")
    listed = listed_people(city.client("community_dispatcher"), within=community)
    expected = dict(people_serving_in(community).values_list("id", "phone"))
    assert len(expected) > 10
    assert {p["id"]: p["phone"] for p in listed} == expected
    assert all(p["personal_data_visible"] and p["birth_year"] is not None for p in listed)


def test_an_analyst_sees_masked_phones_and_no_gender_or_birth_year(city):
    community = dispatched_by(city, "community_dispatcher")
    listed = listed_people(city.client("analyst"), within=community)
    phones = dict(people_serving_in(community).values_list("id", "phone"))
    assert {p["id"] for p in listed} == set(phones)
    for p in listed:
        real = phones[p["id"]]
        assert MASKED_PHONE.match(p["phone"]), p["phone"]
        assert p["phone"] != real and p["phone"][:3] == real[:3] and p["phone"][-4:] == real[-4:]
        assert p["gender"] is None and p["birth_year"] is None
        assert p["personal_data_visible"] is False


def test_a_leader_sees_the_personal_data_of_the_district_and_an_analyst_the_same_people_masked(city):
    community = dispatched_by(city, "community_dispatcher")
    phones = dict(people_serving_in(community).values_list("id", "phone"))
    leader = {p["id"]: p for p in listed_people(city.client("leader"), within=community)}
    analyst = {p["id"]: p for p in listed_people(city.client("analyst"), within=community)}
    assert set(leader) == set(analyst) == set(phones)
    personal = {"phone", "gender", "birth_year", "home_community", "work_unit", "personal_data_visible"}
    for pk, shown in leader.items():
        assert shown["phone"] == phones[pk] and shown["personal_data_visible"] is True
        assert {k: v for k, v in shown.items() if k not in personal} == {
            k: v for k, v in analyst[pk].items() if k not in personal
        }


def test_people_detail_shows_a_dispatchers_phone_to_a_leader_and_masks_it_for_an_analyst(city):
    dispatcher = person(city, "community_dispatcher")
    shown = city.client("leader").get(f"/api/v1/people/{dispatcher.pk}/").json()
    masked = city.client("analyst").get(f"/api/v1/people/{dispatcher.pk}/").json()
    assert shown["name"] == masked["name"] == dispatcher.name
    assert shown["phone"] == dispatcher.phone
    assert MASKED_PHONE.match(masked["phone"]) and masked["phone"] != dispatcher.phone


def test_grid_worker_sees_the_phones_of_its_grids_service_team(city):
    mine = grid_of(city, "grid_worker")
    listed = listed_people(city.client("grid_worker"), within=mine, role=Role.SERVICE_TEAM_MEMBER)
    team = Person.objects.filter(
        pk__in=Assignment.objects.active().filter(area__code=mine, role=Role.SERVICE_TEAM_MEMBER).values("person_id")
    )
    expected = dict(team.values_list("id", "phone"))
    assert expected
    assert {p["id"]: p["phone"] for p in listed} == expected


def test_grid_worker_gets_404_for_a_person_serving_only_in_grid_worker_2s_grid(city):
    mine, theirs = grid_of(city, "grid_worker"), grid_of(city, "grid_worker_2")
    team = Assignment.objects.active().filter(area__code=theirs, role=Role.SERVICE_TEAM_MEMBER)
    member = (
        Person.objects.filter(pk__in=team.values("person_id"))
        .exclude(assignments__area__code__startswith=mine)
        .exclude(household_links__grid__code__startswith=mine)
        .exclude(home_community__code__startswith=mine)
        .first()
    )
    assert member is not None
    client = city.client("grid_worker")
    for someone in (member, person(city, "grid_worker_2")):
        response = client.get(f"/api/v1/people/{someone.pk}/")
        assert response.status_code == 404
        assert someone.phone not in response.content.decode()


@pytest.mark.parametrize(
    "username", ["leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker", "grid_worker_2"]
)
def test_each_person_sees_their_own_phone(city, username):
    me = person(city, username)
    body = city.client(username).get(f"/api/v1/people/{me.pk}/").json()
    assert body["phone"] == me.phone
    assert body["birth_year"] == me.birth_year and body["personal_data_visible"] is True


def test_admin_sees_everyones_phone(city):
    # A first page smaller than the drawn city's people: someone is left for the detail.
    response = city.client("admin").get("/api/v1/people/", {"page_size": 10})
    body = response.json()
    assert body["count"] == Person.objects.count()
    phones = dict(Person.objects.filter(pk__in=[p["id"] for p in body["results"]]).values_list("id", "phone"))
    assert {p["id"]: p["phone"] for p in body["results"]} == phones
    stranger = Person.objects.exclude(pk__in=phones).order_by("-id").first()
    assert city.client("admin").get(f"/api/v1/people/{stranger.pk}/").json()["phone"] == stranger.phone


def test_a_person_whose_term_ends_next_month_is_still_listed_for_their_dispatcher(city):
    # An assignment with an end date in the future is active (Assignment.objects.active()), so the
    # person serves in the community today and the dispatcher must see them.
    community = dispatched_by(city, "community_dispatcher")
    newcomer = Person.objects.create(name="赵新来", phone="13900001234", is_party_member=True)
    Assignment.objects.create(
        person=newcomer,
        role=Role.VOLUNTEER,
        area=Area.objects.within(community).grids().order_by("code").first(),
        starts_on=timezone.localdate() - timedelta(days=10),
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    listed = listed_people(city.client("community_dispatcher"), within=community)
    assert newcomer.pk in {p["id"] for p in listed}
    response = city.client("community_dispatcher").get(f"/api/v1/people/{newcomer.pk}/")
    assert response.status_code == 200 and response.json()["phone"] == "13900001234"


def test_a_person_whose_only_household_link_ended_is_no_longer_in_the_dispatchers_scope(city):
    community = dispatched_by(city, "community_dispatcher")
    former = Person.objects.create(name="钱旧联", phone="13700005678", is_party_member=True)
    HouseholdLink.objects.create(
        person=former,
        grid=Area.objects.within(community).grids().order_by("code").first(),
        households=12,
        starts_on=timezone.localdate() - timedelta(days=400),
        ends_on=timezone.localdate() - timedelta(days=30),
    )
    response = city.client("community_dispatcher").get(f"/api/v1/people/{former.pk}/")
    assert response.status_code == 404
    assert "13700005678" not in response.content.decode()


# --- history -------------------------------------------------------------------------------------


def end_assignment_yesterday(city, name, role):
    yesterday = timezone.localdate() - timedelta(days=1)
    ended = Assignment.objects.filter(person__user=city.users[name], role=role, ends_on__isnull=True).update(
        ends_on=yesterday
    )
    assert ended == 1


def test_grid_worker_whose_assignment_ended_yesterday_sees_no_area(city):
    old_grid = grid_of(city, "grid_worker")
    end_assignment_yesterday(city, "grid_worker", Role.GRID_WORKER)
    client = city.client("grid_worker")
    assert client.get("/api/v1/areas/").json()["count"] == 0
    assert client.get(f"/api/v1/areas/{old_grid}/").status_code == 404
    assert client.get("/api/v1/coverage/grids/", {"within": old_grid}).status_code == 404


def test_grid_worker_whose_assignment_ended_yesterday_may_change_nothing(city):
    old_grid = grid_of(city, "grid_worker")
    end_assignment_yesterday(city, "grid_worker", Role.GRID_WORKER)
    scope = Scope.for_user(city.users["grid_worker"])
    assert not scope.sees_anything and not scope.changes(old_grid)


def test_grid_worker_whose_assignment_ended_yesterday_sees_only_themselves_among_people(city):
    end_assignment_yesterday(city, "grid_worker", Role.GRID_WORKER)
    listed = listed_people(city.client("grid_worker"))
    assert [p["id"] for p in listed] == [person(city, "grid_worker").pk]
