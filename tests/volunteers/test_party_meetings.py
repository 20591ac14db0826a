"""The grid Party group's meetings (三个一's monthly situation analysis 民情研判 and yearly training):
recorded by the group's leader or the area's staff, with attendees who serve there, once per
client_id; a decision made a case in the grid."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from grids.models import PartyMeeting, Role
from incidents.models import Channel, Incident
from volunteers.models import VisitFinding

TODAY = timezone.localdate


@pytest.fixture
def wang(cast):
    """王军, the Party group leader of the cast's grid."""
    user = cast.city.account(f"{cast.city.code}_wang", "王军", Role.PARTY_GROUP_LEADER, cast.grid)
    cast.person["wang"] = user.person
    return user


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def meeting(cast, *names, **fields):
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "analysis",
        "area": cast.grid.code,
        "held_on": str(TODAY() - timedelta(days=2)),
        "topic": "十一月民情研判",
        "attendees": [cast.person[name].pk for name in names],
        "others_attending": 2,
        "issues": "3号楼楼道堆物；两户独居老人需要定期探望",
        "decisions": "清理楼道，报网格",
        **fields,
    }


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_the_group_leader_records_the_monthly_analysis_with_its_attendees(cast, wang):
    phone = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=wang).key}")
    response = post(phone, "/api/v1/party-meetings/", meeting(cast, "wang", "li", "zhang", "zhao"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["area"], body["others_attending"]) == ("analysis", cast.grid.code, 2)
    assert sorted(person["name"] for person in body["attendees"]) == ["张华", "李明", "王军", "赵强"]
    stored = PartyMeeting.objects.get(pk=body["id"])
    assert (stored.recorded_by, stored.attendees.count()) == (wang, 4)


def test_a_meeting_sent_twice_is_recorded_once_and_other_content_under_its_id_refused(cast, wang):
    body = meeting(cast, "li", "zhang")
    first, again = (
        post(client_of(wang), "/api/v1/party-meetings/", body),
        post(client_of(wang), "/api/v1/party-meetings/", body),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    changed = post(client_of(wang), "/api/v1/party-meetings/", body | {"attendees": [cast.person["li"].pk]})
    assert (changed.status_code, changed.json()["code"]) == (409, "client_id_reused")
    assert PartyMeeting.objects.count() == 1 and PartyMeeting.objects.get().attendees.count() == 2


def test_someone_who_does_not_serve_in_the_grid_cannot_be_an_attendee(cast, wang):
    response = post(client_of(wang), "/api/v1/party-meetings/", meeting(cast, "li", "qian", "chen"))
    assert (response.status_code, response.json()["field"]) == (400, "attendees")
    assert str(cast.person["qian"].pk) in response.json()["detail"]  # linked in the other community
    assert str(cast.person["chen"].pk) in response.json()["detail"]  # the community's team, not the grid's
    assert not PartyMeeting.objects.exists()


def test_community_staff_record_a_community_training_with_its_volunteer_team(cast):
    body = meeting(cast, "chen", "li", "zhou", kind="training", area=cast.community.code, held_on=str(TODAY()))
    response = post(client_of(cast["sun"]), "/api/v1/party-meetings/", body)
    assert response.status_code == 201, response.content
    assert response.json()["kind_label"]
    # 陈静 joined the team today: a training last week could not have had her
    earlier = body | {"client_id": str(uuid.uuid4()), "held_on": str(TODAY() - timedelta(days=7))}
    response = post(client_of(cast["sun"]), "/api/v1/party-meetings/", earlier)
    assert (response.status_code, response.json()["field"]) == (400, "attendees")
    assert str(cast.person["chen"].pk) in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": "tomorrow"}, "held_on"),
        ({"held_on": "31 days ago"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"area": "990003001"}, "area"),  # a street has no grid Party group's meetings
        ({"attendees": ["one"]}, "attendees"),
    ],
)
def test_a_leader_is_told_which_field_is_wrong(cast, wang, change, field):
    days = {"tomorrow": TODAY() + timedelta(days=1), "31 days ago": TODAY() - timedelta(days=31)}
    change = {k: str(days[v]) if isinstance(v, str) and v in days else v for k, v in change.items()}
    user = cast["sun"] if field == "area" else wang  # the street is out of the leader's sight (404)
    response = post(client_of(user), "/api/v1/party-meetings/", meeting(cast, **change))
    if field == "area":
        assert response.status_code == 404
    else:
        assert (response.status_code, response.json()["field"]) == (400, field), response.content
    assert not PartyMeeting.objects.exists()


def test_a_street_is_not_an_area_of_party_meetings(cast):
    street = cast.community.parent
    admin = cast.city.account(f"{cast.city.code}_st", "街道指挥", Role.DISPATCHER, street)
    response = post(client_of(admin), "/api/v1/party-meetings/", meeting(cast, area=street.code))
    assert (response.status_code, response.json()["field"]) == (400, "area")


def test_only_the_groups_leader_and_the_areas_staff_record_its_meetings(cast, wang):
    other = meeting(cast, area=cast.other_grid.code)
    assert post(client_of(wang), "/api/v1/party-meetings/", other).status_code == 404  # not his grid
    assert post(client_of(cast["li"]), "/api/v1/party-meetings/", meeting(cast)).status_code == 404
    analyst = cast.city.account(f"{cast.city.code}_ana", "分析员", Role.ANALYST, cast.city.district)
    assert post(client_of(analyst), "/api/v1/party-meetings/", meeting(cast)).status_code == 403
    community = meeting(cast, area=cast.community.code)
    assert post(client_of(wang), "/api/v1/party-meetings/", community).status_code == 404
    assert post(client_of(cast["zhou"]), "/api/v1/party-meetings/", community).status_code == 404  # a grid's worker
    assert not PartyMeeting.objects.exists()
    old = meeting(cast, held_on=str(TODAY() - timedelta(days=60)))
    assert post(client_of(cast["sun"]), "/api/v1/party-meetings/", old).status_code == 201


def test_the_leader_lists_his_grids_meetings_and_staff_those_of_their_areas(cast, wang):
    assert post(client_of(wang), "/api/v1/party-meetings/", meeting(cast, "li")).status_code == 201
    training = meeting(cast, kind="training", area=cast.community.code)
    assert post(client_of(cast["sun"]), "/api/v1/party-meetings/", training).status_code == 201
    assert [row["kind"] for row in client_of(wang).get("/api/v1/party-meetings/").json()] == ["analysis"]
    rows = client_of(cast["sun"]).get("/api/v1/party-meetings/", {"kind": "training"}).json()
    assert [row["area"] for row in rows] == [cast.community.code]
    assert client_of(wang).get("/api/v1/party-meetings/", {"within": cast.other_grid.code}).status_code == 404


def test_a_decision_of_a_meeting_becomes_a_case_in_its_grid_and_a_retry_the_same_case(cast, wang):
    made = post(client_of(wang), "/api/v1/party-meetings/", meeting(cast, "li")).json()
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "3号楼楼道堆物需清理"}
    path = f"/api/v1/party-meetings/{made['id']}/findings/"
    first, again = post(client_of(wang), path, finding), post(client_of(wang), path, finding)
    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert first.json()["case"]["code"] == again.json()["case"]["code"]
    case = Incident.objects.get(code=first.json()["case"]["code"])
    assert (case.grid, case.channel, case.reporter) == (cast.grid, Channel.MEETING, wang)
    assert VisitFinding.objects.get().meeting_id == made["id"]
    assert post(client_of(cast["li"]), path, finding | {"client_id": str(uuid.uuid4())}).status_code == 404


def test_a_community_meetings_decision_names_a_grid_of_the_community(cast):
    made = post(client_of(cast["sun"]), "/api/v1/party-meetings/", meeting(cast, area=cast.community.code)).json()
    path = f"/api/v1/party-meetings/{made['id']}/findings/"
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "小区路灯不亮"}
    response = post(client_of(cast["sun"]), path, finding)
    assert (response.status_code, response.json()["field"]) == (400, "grid")
    response = post(client_of(cast["sun"]), path, finding | {"grid": cast.other_grid.code})
    assert (response.status_code, response.json()["field"]) == (400, "grid")  # another community's
    response = post(client_of(cast["sun"]), path, finding | {"grid": cast.grid.code})
    assert response.status_code == 201 and response.json()["case"]["grid"] == cast.grid.code
