"""A dual-registered member's home community and work unit are personal data: masked wherever the
phone is (the people API, the admin for those who may not see it), shown where it is.

The people, in a drawn city (tests.conftest.DrawnCity): 钱家明 (Qian) is an in-service Party member
(双报到) who lives in community 001001 and works at 方格市第一中学, and serves in a grid of that
community; 孙丽 (sun) dispatches that community, 周立德 (zhou) leads the district and 吴思源 (wu)
analyses it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from grids.models import Role, WorkUnit
from grids.scopes import PERSONAL_FIELDS

WORK_UNIT = "方格市第一中学"


@pytest.fixture
def qian(drawn_city):
    community = drawn_city[f"{drawn_city.code}001001"]
    unit = WorkUnit.objects.create(name=WORK_UNIT, district=drawn_city[drawn_city.code])
    member = drawn_city.person("钱家明", home_community=community, work_unit=unit)
    drawn_city.serve(member, Role.IN_SERVICE_MEMBER, drawn_city[f"{community.code}001"])
    return member


@pytest.fixture
def as_(drawn_city):
    """as_("sun") → a client logged in as that person of the drawn city (made on first use)."""
    people = {
        "sun": ("孙丽", Role.DISPATCHER, f"{drawn_city.code}001001"),
        "zhou": ("周立德", Role.LEADER, drawn_city.code),
        "wu": ("吴思源", Role.ANALYST, drawn_city.code),
    }

    def client(username):
        name, role, code = people[username]
        user = drawn_city.account(username, name, role, drawn_city[code])
        logged_in = Client()
        logged_in.force_login(user)
        logged_in.user = user
        return logged_in

    return client


def test_an_analyst_gets_no_home_community_or_work_unit(as_, qian):
    body = as_("wu").get(f"/api/v1/people/{qian.pk}/").json()
    assert body["name"] == "钱家明" and body["personal_data_visible"] is False
    assert (body["home_community"], body["work_unit"]) == (None, None)
    assert WORK_UNIT not in str(body)


def test_every_personal_field_is_left_out_of_a_masked_person(as_, qian):
    wu = as_("wu")
    body = wu.get(f"/api/v1/people/{qian.pk}/").json()
    assert {name: body[name] for name in PERSONAL_FIELDS if name != "phone"} == dict.fromkeys(PERSONAL_FIELDS[1:])
    listed = wu.get("/api/v1/people/", {"within": qian.home_community.code}).json()
    assert qian.pk in {p["id"] for p in listed["results"]}
    assert all(p["home_community"] is None and p["work_unit"] is None for p in listed["results"])


@pytest.mark.parametrize("username", ["sun", "zhou"])
def test_the_community_dispatcher_and_a_leader_see_them(as_, qian, username):
    body = as_(username).get(f"/api/v1/people/{qian.pk}/").json()
    assert (body["home_community"], body["work_unit"]) == (qian.home_community.code, WORK_UNIT)


@pytest.fixture
def staff_analyst(as_):
    """wu, made staff with the permission to look at people in the admin."""
    client = as_("wu")
    client.user.is_staff = True
    client.user.save()
    client.user.user_permissions.set(Permission.objects.filter(content_type__app_label="grids", codename="view_person"))
    return client


def test_the_admin_hides_them_from_a_staff_member_who_may_not_see_personal_data(staff_analyst, qian):
    listing = staff_analyst.get("/admin/grids/person/", {"q": qian.name})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert qian.name in html and WORK_UNIT not in html and qian.home_community.name not in html
    page = staff_analyst.get(f"/admin/grids/person/{qian.pk}/change/")
    assert page.status_code == 200
    assert WORK_UNIT not in page.content.decode() and 'name="home_community"' not in page.content.decode()
    assert "home_community" not in page.context["adminform"].form.fields


def test_the_admin_search_does_not_find_people_by_a_work_unit_one_may_not_see(staff_analyst, qian):
    assert staff_analyst.get("/admin/grids/person/", {"q": qian.name}).context["cl"].result_count == 1
    by_unit = staff_analyst.get("/admin/grids/person/", {"q": WORK_UNIT})
    assert by_unit.status_code == 200 and by_unit.context["cl"].result_count == 0


def test_a_person_without_a_phone_shows_no_masked_number_in_the_admin_or_the_api(staff_analyst, drawn_city):
    """The analyst may not see the people's phones: 李静's is masked, and 陈刚, who has none, shows
    none (the admin's "-", as to the administrator), not a **** that would say there is one."""
    community = drawn_city[f"{drawn_city.code}001001"]
    li = drawn_city.person("李静测试", phone="139 8765 4321")
    chen = drawn_city.person("陈刚测试", phone="")
    for person in (li, chen):
        drawn_city.serve(person, Role.SERVICE_TEAM_MEMBER, community)

    listing = staff_analyst.get("/admin/grids/person/", {"q": "测试"})
    administrator = Client()
    administrator.force_login(get_user_model().objects.create_superuser(f"{drawn_city.code}_admin"))
    as_administrator = administrator.get("/admin/grids/person/", {"q": "测试"})
    assert listing.status_code == as_administrator.status_code == 200
    assert admin_phone_cell(listing, li) == "139****4321"
    assert admin_phone_cell(listing, chen) == admin_phone_cell(as_administrator, chen) == "-"
    assert staff_analyst.get(f"/api/v1/people/{li.pk}/").json()["phone"] == "139****4321"
    assert staff_analyst.get(f"/api/v1/people/{chen.pk}/").json()["phone"] == ""


def admin_phone_cell(listing, person):
    """The phone cell of the person's row in the admin's list of people."""
    cell = '<td class="field-phone_shown">'
    html = listing.content.decode()
    row = html[html.index(f">{person.name}</a>") :]
    after = row[row.index(cell) + len(cell) :]
    return after[: after.index("</td>")]
