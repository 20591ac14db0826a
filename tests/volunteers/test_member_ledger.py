"""A member's ledger page and the totals per member: every figure shown is the sum of the member's
ledger rows, and each reader sees only the members their scope holds (volunteers.members)."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from grids.models import Role

from .making import attended, contact_of, corrected, d, served


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def credited(cast):
    li, zhang = cast.person["li"], cast.person["zhang"]
    served(li, cast.community, cast.grid, d("2026-04-10"), 90, rating=5)
    served(li, cast.community, cast.grid, d("2025-11-20"), 45, rating=4)
    attended(li, cast.community, d("2026-06-01"), 3)
    corrected(li, cast.community, d("2026-06-15"), "-0.5", "-1")
    served(zhang, cast.community, cast.grid, d("2026-05-05"), 60)
    attended(cast.person["qian"], cast.other_community, d("2026-05-06"), "2.5")
    return cast


def test_the_points_recomputed_from_a_members_rows_equal_the_totals_shown(credited):
    answer = client_of(credited["li"]).get("/api/v1/volunteers/ledger/?mine=1")
    assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-store"
    page = answer.json()
    assert page["person"]["name"] == "李明" and len(page["rows"]) == 6
    assert sum(Decimal(row["points"]) for row in page["rows"]) == Decimal(page["totals"]["points"])
    assert sum(Decimal(row["hours"]) for row in page["rows"]) == Decimal(page["totals"]["hours"])
    # 1.5 h + 0.75 h of services (1.5 + 0.75 points, 2 + 2 for their ratings), 3 h of an activity, −0.5 h and −1 point
    assert (page["totals"]["hours"], page["totals"]["points"]) == ("4.75", "8.25")
    assert (page["totals"]["services"], page["totals"]["activities"]) == (2, 1)


def test_a_ledger_row_names_its_source(credited):
    rows = client_of(credited["li"]).get("/api/v1/volunteers/ledger/?mine=1").json()["rows"]
    assert [row["kind"] for row in rows[:2]] == ["correction", "activity_hours"]  # newest first
    assert rows[0]["note"] == "漏记一次服务" and rows[1]["activity"].startswith("社区清洁日")
    assert all(row["request"] for row in rows if row["kind"] in ("service_hours", "rated_service"))


def test_the_totals_per_member_of_a_work_unit_are_their_ledgers_sums(credited):
    contact = contact_of(credited.city, credited.school, "school_contact", "吴老师")
    answer = client_of(contact).get(f"/api/v1/volunteers/totals/?work_unit={credited.school.pk}")
    assert answer.status_code == 200
    body = answer.json()
    members = {row["name"]: row for row in body["members"]}
    assert set(members) == {"李明", "张华", "钱多"}
    for name in members:
        ledger = client_of(contact).get(f"/api/v1/volunteers/ledger/?person={members[name]['person']}").json()
        assert members[name]["points"] == ledger["totals"]["points"]
        assert members[name]["hours"] == ledger["totals"]["hours"]
    assert body["totals"]["points"] == "11.75"  # 李明 8.25, 张华 1.00, 钱多 2.50
    assert Decimal(body["totals"]["hours"]) == sum(Decimal(row["hours"]) for row in body["members"])


def test_the_totals_of_a_year_count_only_its_rows(credited):
    contact = contact_of(credited.city, credited.school, "school_contact", "吴老师")
    answer = client_of(contact).get(f"/api/v1/volunteers/totals/?work_unit={credited.school.pk}&year=2026")
    li = next(row for row in answer.json()["members"] if row["name"] == "李明")
    assert (li["points"], li["hours"], li["services"], li["rated_services"]) == ("5.50", "4.00", 1, 1)


def test_community_staff_see_the_totals_of_those_living_or_serving_in_their_community(credited):
    answer = client_of(credited["sun"]).get(f"/api/v1/volunteers/totals/?within={credited.community.code}")
    names = {row["name"] for row in answer.json()["members"]}
    assert {"李明", "张华", "赵强", "周平"} <= names and "钱多" not in names
    qian = credited.person["qian"].pk
    assert client_of(credited["sun"]).get(f"/api/v1/volunteers/ledger/?person={qian}").status_code == 404


def test_a_member_sees_their_own_ledger_and_nobody_elses(credited):
    client = client_of(credited["li"])
    assert client.get(f"/api/v1/volunteers/ledger/?person={credited.person['li'].pk}").status_code == 200
    answer = client.get(f"/api/v1/volunteers/ledger/?person={credited.person['zhang'].pk}")
    assert answer.status_code == 404 and answer.json()["field"] == "person"


def test_a_leader_and_an_analyst_read_a_members_ledger(credited):
    city = credited.city
    for name, role in (("leader", Role.LEADER), ("analyst", Role.ANALYST)):
        reader = city.account(f"{city.code}_{name}", name, role, city.district)
        answer = client_of(reader).get(f"/api/v1/volunteers/ledger/?person={credited.person['qian'].pk}")
        assert answer.status_code == 200 and answer.json()["totals"]["points"] == "2.50"


@pytest.mark.parametrize(
    "query, field",
    [("person=x", "person"), ("mine=2", "mine")],
)
def test_a_ledger_asked_for_badly_is_refused_naming_the_field(credited, query, field):
    answer = client_of(credited["sun"]).get(f"/api/v1/volunteers/ledger/?{query}")
    assert answer.status_code == 400 and answer.json()["field"] == field


def test_a_ledger_asked_for_with_nobody_named_is_the_callers_own(credited):
    answer = client_of(credited["sun"]).get("/api/v1/volunteers/ledger/")
    assert answer.status_code == 200 and answer.json()["person"]["name"] == "孙丽" and answer.json()["rows"] == []


@pytest.mark.parametrize(
    "query, field",
    [("", "work_unit"), ("work_unit=1&within=990003001001", "work_unit"), ("within=12", "within"),
     ("work_unit=1&year=1800", "year")],
)  # fmt: skip
def test_totals_asked_for_badly_are_refused_naming_the_field(credited, query, field):
    answer = client_of(credited["sun"]).get(f"/api/v1/volunteers/totals/?{query}")
    assert answer.status_code == 400 and answer.json()["field"] == field


def test_a_login_that_is_nobodys_asks_for_its_own_ledger_in_vain(credited):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(f"{credited.city.code}_nobody")
    answer = client_of(nobody).get("/api/v1/volunteers/ledger/?mine=1")
    assert answer.status_code == 400 and answer.json()["field"] == "mine"


def test_the_token_login_reads_the_contacts_work_unit_with_the_roles(credited):
    contact = contact_of(credited.city, credited.school, "school_contact", "吴老师")
    token = Token.objects.create(user=contact)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    answer = client.get(f"/api/v1/volunteers/totals/?work_unit={credited.school.pk}")
    assert answer.status_code == 200 and len(answer.json()["members"]) == 3
