"""Volunteer teams of a community: its own, and a work unit's stationed team (驻点团队), made by the
community's staff, with members added and ended (kept as history)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from govgrid.lib.errors import GovgridError, NotFound
from grids.models import Area, WorkUnit
from volunteers import teams
from volunteers.models import Team, TeamMember

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_make_a_work_units_stationed_team_led_by_one_of_its_members(cast):
    answer = client_of(cast["sun"]).post(
        "/api/v1/volunteer-teams/",
        {"community": cast.community.code, "name": "一中驻点服务队", "work_unit": cast.school.pk,
         "skills": ["tutoring"], "leader": cast.person["li"].pk},
        "application/json",
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["work_unit_name"], body["leader_name"], body["skills"]) == ("方格市第一中学", "李明", ["tutoring"])
    assert [m["name"] for m in body["members"]] == ["李明"]


def test_a_work_unit_of_another_district_is_refused(cast):
    dengzhou = Area.objects.get(code="411381")  # the demo's district
    elsewhere = WorkUnit.objects.create(name="邓州市某局", district=dengzhou)
    with pytest.raises(GovgridError) as refused:
        teams.create_team(cast["sun"], cast.community.code, "乙队", work_unit=elsewhere.pk)
    assert refused.value.field == "work_unit" and not Team.objects.filter(name="乙队").exists()


def test_a_grid_worker_does_not_make_the_communitys_teams(cast):
    answer = client_of(cast["zhou"]).post(
        "/api/v1/volunteer-teams/", {"community": cast.community.code, "name": "网格队"}, "application/json"
    )
    assert answer.status_code == 404 and not Team.objects.filter(name="网格队").exists()


def test_two_teams_of_one_name_in_a_community_are_refused(cast):
    with pytest.raises(GovgridError) as refused:
        teams.create_team(cast["sun"], cast.community.code, cast.team.name)
    assert refused.value.field == "name" and refused.value.status == 409


def test_members_are_added_once_and_listed_with_their_team(cast):
    sun = client_of(cast["sun"])
    path = f"/api/v1/volunteer-teams/{cast.team.pk}/members/"
    assert sun.post(path, {"person": cast.person["zhang"].pk}, "application/json").status_code == 201
    assert sun.post(path, {"person": cast.person["zhang"].pk}, "application/json").status_code == 200
    assert TeamMember.objects.filter(team=cast.team, person=cast.person["zhang"]).count() == 1
    [team] = sun.get(f"/api/v1/volunteer-teams/?within={cast.community.code}").json()
    assert sorted(m["name"] for m in team["members"]) == ["张华", "陈静"]


def test_a_stationed_team_takes_its_units_people_living_elsewhere_and_the_communitys_own_does_not(cast):
    """钱多 works at the school but lives in the other community: outside sun's areas."""
    stationed = teams.create_team(cast["sun"], cast.community.code, "一中驻点服务队", work_unit=cast.school.pk)
    assert teams.add_member(cast["sun"], stationed.pk, cast.person["qian"].pk)[1]
    with pytest.raises(NotFound) as refused:
        teams.add_member(cast["sun"], cast.team.pk, cast.person["qian"].pk)
    assert refused.value.field == "person"


def test_ending_a_membership_keeps_it_as_history(cast):
    membership = TeamMember.objects.get(team=cast.team, person=cast.person["chen"])
    TeamMember.objects.filter(pk=membership.pk).update(starts_on=timezone.localdate() - timedelta(days=30))
    answer = client_of(cast["sun"]).delete(f"/api/v1/volunteer-teams/{cast.team.pk}/members/{cast.person['chen'].pk}/")
    assert answer.status_code == 200 and answer.json()["members"] == []
    membership.refresh_from_db()
    assert membership.ends_on == timezone.localdate()


def test_a_membership_ended_on_its_first_day_is_removed(cast):
    teams.add_member(cast["sun"], cast.team.pk, cast.person["zhao"].pk)
    teams.end_membership(cast["sun"], cast.team.pk, cast.person["zhao"].pk)
    assert not TeamMember.objects.filter(team=cast.team, person=cast.person["zhao"]).exists()
    with pytest.raises(NotFound):
        teams.end_membership(cast["sun"], cast.team.pk, cast.person["zhao"].pk)


def test_teams_outside_ones_areas_do_not_exist(cast):
    other = Team.objects.create(name="别处的队", community=cast.other_community)
    assert client_of(cast["sun"]).get(f"/api/v1/volunteer-teams/{other.pk}/").status_code == 404
    assert client_of(cast["sun"]).get(f"/api/v1/volunteer-teams/{cast.team.pk}/").status_code == 200
