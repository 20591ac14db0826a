"""The weekly household visit (每周走访): recorded by the member of the link or by community staff for
them, once per client_id; the visits due per ISO week; a problem found on a visit made a case in its
grid with one tap."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from govgrid.lib import coords
from grids.duty_weeks import iso_week, monday_of
from grids.models import HouseholdLink, Role, Visit
from incidents.models import Channel, Incident
from volunteers.models import VisitFinding

TODAY = timezone.localdate


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def token_client(user):
    """A client as a phone is: the API token in the Authorization header, no session."""
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def link_of(cast, name):
    return HouseholdLink.objects.get(person=cast.person[name])


def visit(cast, name="li", **fields):
    return {
        "client_id": str(uuid.uuid4()),
        "link": link_of(cast, name).pk,
        "visited_on": str(TODAY()),
        "households_reached": 12,
        "notes": "王奶奶家的楼道灯坏了",
        **fields,
    }


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_a_member_records_a_visit_of_their_households_from_the_phone(cast):
    li = token_client(cast["li"])
    response = post(li, "/api/v1/visits/", visit(cast))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["grid"], body["member"], body["households_reached"]) == (cast.grid.code, "李明", 12)
    stored = Visit.objects.get(pk=body["id"])
    assert (stored.person, stored.grid, stored.recorded_by) == (cast.person["li"], cast.grid, cast["li"])


def test_a_visit_sent_twice_with_the_same_client_id_is_recorded_once(cast):
    li = token_client(cast["li"])
    body = visit(cast)
    first, again = post(li, "/api/v1/visits/", body), post(li, "/api/v1/visits/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Visit.objects.filter(client_id=body["client_id"]).count() == 1


def test_two_different_visits_under_one_client_id_are_refused(cast):
    li = token_client(cast["li"])
    body = visit(cast)
    assert post(li, "/api/v1/visits/", body).status_code == 201
    response = post(li, "/api/v1/visits/", body | {"households_reached": 13})
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("client_id_reused", "client_id")
    assert Visit.objects.get(client_id=body["client_id"]).households_reached == 12


def test_another_account_reusing_a_client_id_learns_nothing_of_the_visit(cast):
    body = visit(cast)
    assert post(client_of(cast["li"]), "/api/v1/visits/", body).status_code == 201
    response = post(client_of(cast["sun"]), "/api/v1/visits/", body)
    assert response.status_code == 409
    assert "李明" not in response.content.decode()


def test_a_location_in_gcj02_is_kept_in_wgs84(cast):
    x, y = cast.grid.geom.point_on_surface.coords
    lon, lat = coords.wgs84_to_gcj02(x, y)
    body = visit(cast, lon=lon, lat=lat, crs="gcj02")
    stored = Visit.objects.get(pk=post(client_of(cast["li"]), "/api/v1/visits/", body).json()["id"])
    assert stored.location.x == pytest.approx(x, abs=1e-7) and stored.location.y == pytest.approx(y, abs=1e-7)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visited_on": "tomorrow"}, "visited_on"),
        ({"visited_on": "31 days ago"}, "visited_on"),
        ({"households_reached": 41}, "households_reached"),
        ({"households_reached": 0}, "households_reached"),
        ({"lon": 112.6}, "lat"),
        ({"link": "not a number"}, "link"),
    ],
)
def test_a_member_is_told_which_field_is_wrong(cast, change, field):
    days = {"tomorrow": TODAY() + timedelta(days=1), "31 days ago": TODAY() - timedelta(days=31)}
    change = {k: str(days[v]) if v in days else v for k, v in change.items()}
    response = post(client_of(cast["li"]), "/api/v1/visits/", visit(cast, **change))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Visit.objects.exists()


def test_community_staff_record_an_older_visit_for_a_member(cast):
    body = visit(cast, visited_on=str(TODAY() - timedelta(days=45)))
    response = post(client_of(cast["sun"]), "/api/v1/visits/", body)
    assert response.status_code == 201, response.content
    stored = Visit.objects.get(pk=response.json()["id"])
    assert (stored.person, stored.recorded_by) == (cast.person["li"], cast["sun"])


def test_a_visit_on_a_day_the_link_was_not_in_force_is_refused(cast):
    link = link_of(cast, "li")
    link.ends_on = TODAY() - timedelta(days=3)
    link.save()
    response = post(client_of(cast["li"]), "/api/v1/visits/", visit(cast))
    assert (response.status_code, response.json()["field"]) == (400, "visited_on")
    before = visit(cast, visited_on=str(TODAY() - timedelta(days=4)))
    assert post(client_of(cast["li"]), "/api/v1/visits/", before).status_code == 201


def test_nobody_else_records_a_members_visit(cast):
    # 张华 links households in the same grid but serves no area: 李明's link is not his to see.
    assert post(client_of(cast["zhang"]), "/api/v1/visits/", visit(cast)).status_code == 404
    # 钱多's link is in the other community, out of 孙丽's sight.
    assert post(client_of(cast["sun"]), "/api/v1/visits/", visit(cast, "qian")).status_code == 404
    # The grid's worker sees the link, but visits are recorded by the member or community staff.
    response = post(client_of(cast["zhou"]), "/api/v1/visits/", visit(cast))
    assert (response.status_code, response.json()["field"]) == (403, "link")
    analyst = cast.city.account(f"{cast.city.code}_ana", "分析员", Role.ANALYST, cast.city.district)
    assert post(client_of(analyst), "/api/v1/visits/", visit(cast)).status_code == 403
    assert not Visit.objects.exists()


def test_a_member_lists_their_own_visits_and_staff_those_of_their_grids(cast):
    for name in ("li", "zhang", "qian"):
        assert post(client_of(cast[name]), "/api/v1/visits/", visit(cast, name)).status_code == 201
    mine = client_of(cast["li"]).get("/api/v1/visits/").json()
    assert [row["member"] for row in mine] == ["李明"]
    assert mine[0]["notes"] == "王奶奶家的楼道灯坏了"
    staff = client_of(cast["sun"]).get("/api/v1/visits/").json()
    assert sorted(row["member"] for row in staff) == ["张华", "李明"]
    analyst = cast.city.account(f"{cast.city.code}_ana", "分析员", Role.ANALYST, cast.city.district)
    rows = client_of(analyst).get("/api/v1/visits/", {"within": cast.community.code}).json()
    assert len(rows) == 2 and {row["notes"] for row in rows} == {None}  # no personal data for analysts
    assert client_of(cast["li"]).get("/api/v1/visits/", {"within": cast.other_community.code}).status_code == 404


# --- visits due -------------------------------------------------------------------------------------


def test_a_member_sees_per_week_whether_their_visit_is_due_and_done(cast):
    this_week = monday_of(TODAY())
    Visit.objects.create(
        client_id=uuid.uuid4(),
        link=link_of(cast, "li"),
        person=cast.person["li"],
        grid=cast.grid,
        visited_on=this_week - timedelta(days=7),
        households_reached=3,
    )
    body = client_of(cast["li"]).get("/api/v1/visits/due/", {"mine": 1, "weeks": 3}).json()
    assert body["weeks"] == [iso_week(this_week - timedelta(days=7 * n)) for n in (2, 1, 0)]
    (link,) = body["links"]
    assert (link["grid"], link["households"]) == (cast.grid.code, 40)
    assert [(week["due"], week["done"]) for week in link["weeks"]] == [(True, False), (True, True), (True, False)]


def test_the_weeks_of_a_link_taken_up_midweek_are_due_from_the_next_monday(cast):
    link = link_of(cast, "li")
    link.starts_on = monday_of(TODAY()) - timedelta(days=5)  # a Wednesday
    link.save()
    body = client_of(cast["li"]).get("/api/v1/visits/due/", {"mine": 1, "weeks": 2}).json()
    assert [week["due"] for week in body["links"][0]["weeks"]] == [False, True]


def test_an_area_counts_the_link_weeks_due_and_done(cast):
    assert post(client_of(cast["li"]), "/api/v1/visits/", visit(cast)).status_code == 201
    body = client_of(cast["sun"]).get("/api/v1/visits/due/", {"within": cast.community.code, "weeks": 2}).json()
    assert [(week["due"], week["done"]) for week in body["weeks"]] == [(2, 0), (2, 1)]
    street = cast.community.parent.code
    leader = cast.city.account(f"{cast.city.code}_boss", "街道领导", Role.LEADER, cast.community.parent)
    body = client_of(leader).get("/api/v1/visits/due/", {"within": street, "weeks": 1}).json()
    assert body["weeks"][0]["due"] == 3  # 李明's and 张华's links, and 钱多's in the other community
    assert client_of(cast["sun"]).get("/api/v1/visits/due/", {"within": street}).status_code == 404
    assert client_of(cast["li"]).get("/api/v1/visits/due/", {"within": cast.community.code}).status_code == 404


# --- findings ---------------------------------------------------------------------------------------


def test_a_problem_found_on_a_visit_becomes_a_case_in_its_grid_and_a_retry_the_same_case(cast):
    x, y = cast.grid.geom.point_on_surface.coords
    li = token_client(cast["li"])
    made = post(li, "/api/v1/visits/", visit(cast, lon=x, lat=y)).json()
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "楼道灯不亮，老人夜里看不清"}
    first = post(li, f"/api/v1/visits/{made['id']}/findings/", finding)
    assert first.status_code == 201, first.content
    again = post(li, f"/api/v1/visits/{made['id']}/findings/", finding)
    assert again.status_code == 200
    assert again.json()["case"]["code"] == first.json()["case"]["code"]
    case = Incident.objects.get(code=first.json()["case"]["code"])
    assert (case.grid, case.channel, case.reporter, case.category.code) == (
        cast.grid,
        Channel.VISIT,
        cast["li"],
        "0301",
    )
    assert case.location.distance(cast.grid.geom.point_on_surface) < 1e-9
    assert VisitFinding.objects.filter(visit_id=made["id"]).count() == 1
    assert Incident.objects.filter(reporter=cast["li"]).count() == 1
    listed = li.get("/api/v1/visits/", {"mine": 1}).json()
    assert listed[0]["cases"] == [case.code]
    assert li.get(f"/api/v1/incidents/{case.code}/").status_code == 200  # the member follows it


def test_a_finding_of_a_visit_made_outside_its_grid_is_placed_in_the_grid(cast):
    x, y = cast.other_grid.geom.point_on_surface.coords  # the member stood in the next community
    made = post(client_of(cast["li"]), "/api/v1/visits/", visit(cast, lon=x, lat=y)).json()
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "路灯坏了"}
    response = post(client_of(cast["li"]), f"/api/v1/visits/{made['id']}/findings/", finding)
    assert response.status_code == 201, response.content
    assert response.json()["case"]["grid"] == cast.grid.code


def test_a_finding_sent_again_with_other_words_is_refused(cast):
    made = post(client_of(cast["li"]), "/api/v1/visits/", visit(cast)).json()
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "路灯坏了"}
    path = f"/api/v1/visits/{made['id']}/findings/"
    assert post(client_of(cast["li"]), path, finding).status_code == 201
    response = post(client_of(cast["li"]), path, finding | {"description": "路面塌陷"})
    assert (response.status_code, response.json()["code"]) == (409, "client_id_reused")
    assert Incident.objects.filter(channel=Channel.VISIT).count() == 1


def test_a_finding_with_an_unknown_category_names_the_field_and_leaves_nothing(cast):
    made = post(client_of(cast["li"]), "/api/v1/visits/", visit(cast)).json()
    finding = {"client_id": str(uuid.uuid4()), "category": "9999", "description": "路灯坏了"}
    response = post(client_of(cast["li"]), f"/api/v1/visits/{made['id']}/findings/", finding)
    assert (response.status_code, response.json()["field"]) == (400, "category")
    assert not VisitFinding.objects.exists() and not Incident.objects.filter(channel=Channel.VISIT).exists()


def test_only_the_member_or_the_grids_staff_turn_a_visit_into_a_case(cast):
    made = post(client_of(cast["li"]), "/api/v1/visits/", visit(cast)).json()
    path = f"/api/v1/visits/{made['id']}/findings/"
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "路灯坏了"}
    assert post(client_of(cast["zhang"]), path, finding).status_code == 404
    assert post(client_of(cast["qian"]), path, finding).status_code == 404
    analyst = cast.city.account(f"{cast.city.code}_ana", "分析员", Role.ANALYST, cast.city.district)
    assert post(client_of(analyst), path, finding).status_code == 403
    response = post(client_of(cast["zhou"]), path, finding)  # the grid's worker
    assert response.status_code == 201 and response.json()["case"]["grid"] == cast.grid.code


def test_the_party_group_leader_follows_the_visits_of_his_grid(cast):
    wang = cast.city.account(f"{cast.city.code}_wang", "王军", Role.PARTY_GROUP_LEADER, cast.grid)
    for name in ("li", "qian"):
        assert post(client_of(cast[name]), "/api/v1/visits/", visit(cast, name)).status_code == 201
    leader = client_of(wang)
    assert [row["member"] for row in leader.get("/api/v1/visits/").json()] == ["李明"]
    body = leader.get("/api/v1/visits/due/", {"within": cast.grid.code, "weeks": 1}).json()
    assert body["weeks"][0]["due"] == 2 and body["weeks"][0]["done"] == 1
    assert leader.get("/api/v1/visits/due/", {"within": cast.other_grid.code}).status_code == 404
    assert leader.get("/api/v1/visits/", {"within": cast.other_grid.code}).status_code == 404
