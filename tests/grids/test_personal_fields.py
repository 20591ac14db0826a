"""A dual-registered member's home community and work unit are personal data: masked wherever the
phone is (the people API, the admin for those who may not see it), shown where it is."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from grids.models import Assignment, Person, Role
from grids.scopes import PERSONAL_FIELDS

pytestmark = pytest.mark.django_db


def a_registered_member_serving_in(community):
    """An in-service member (双报到) with a home community and a work unit, serving in `community`."""
    serving = Assignment.objects.active().filter(area__code__startswith=community).values("person_id")
    member = (
        Person.objects.filter(pk__in=serving, home_community__isnull=False)
        .exclude(work_unit="")
        .select_related("home_community")
        .first()
    )
    assert member is not None
    return member


def community_of(username):
    return Assignment.objects.active().get(person__user__username=username, role=Role.DISPATCHER).area.code


def test_an_analyst_gets_no_home_community_or_work_unit(login):
    member = a_registered_member_serving_in(community_of("community_dispatcher"))
    body = login("analyst").get(f"/api/v1/people/{member.pk}/").json()
    assert body["personal_data_visible"] is False
    assert (body["home_community"], body["work_unit"]) == (None, None)
    assert member.work_unit not in str(body)


def test_every_personal_field_is_left_out_of_a_masked_person(login):
    member = a_registered_member_serving_in(community_of("community_dispatcher"))
    body = login("analyst").get(f"/api/v1/people/{member.pk}/").json()
    assert {name: body[name] for name in PERSONAL_FIELDS if name != "phone"} == dict.fromkeys(PERSONAL_FIELDS[1:])
    listed = login("analyst").get("/api/v1/people/", {"within": community_of("community_dispatcher")}).json()
    assert all(p["home_community"] is None and p["work_unit"] is None for p in listed["results"])


def test_the_community_dispatcher_and_a_leader_see_them(login):
    member = a_registered_member_serving_in(community_of("community_dispatcher"))
    for username in ("community_dispatcher", "leader"):
        body = login(username).get(f"/api/v1/people/{member.pk}/").json()
        assert (body["home_community"], body["work_unit"]) == (member.home_community.code, member.work_unit)


@pytest.fixture
def staff_analyst(login):
    """analyst, made staff with the permission to look at people in the admin."""
    user = get_user_model().objects.get(username="analyst")
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="grids", codename="view_person"))
    return login("analyst")


def test_the_admin_hides_them_from_a_staff_member_who_may_not_see_personal_data(staff_analyst):
    member = a_registered_member_serving_in(community_of("community_dispatcher"))
    listing = staff_analyst.get("/admin/grids/person/", {"q": member.name})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert member.name in html and member.work_unit not in html and member.home_community.name not in html
    page = staff_analyst.get(f"/admin/grids/person/{member.pk}/change/")
    assert page.status_code == 200
    assert member.work_unit not in page.content.decode() and 'name="home_community"' not in page.content.decode()
    assert "home_community" not in page.context["adminform"].form.fields


def test_the_admin_search_does_not_find_people_by_a_work_unit_one_may_not_see(staff_analyst):
    member = a_registered_member_serving_in(community_of("community_dispatcher"))
    by_unit = staff_analyst.get("/admin/grids/person/", {"q": member.work_unit})
    assert by_unit.status_code == 200 and by_unit.context["cl"].result_count == 0


def test_a_person_without_a_phone_shows_no_masked_number_in_the_admin_or_the_api(login, staff_analyst):
    """The analyst may not see the people's phones: 李静's is masked, and 陈刚, who has none, shows
    none (the admin's "-", as to the administrator), not a **** that would say there is one."""
    community = Assignment.objects.active().get(person__user__username="community_dispatcher").area
    li = Person.objects.create(name="李静测试", phone="139 8765 4321")
    chen = Person.objects.create(name="陈刚测试", phone="")
    for person in (li, chen):
        Assignment.objects.create(person=person, role=Role.SERVICE_TEAM_MEMBER, area=community)

    listing = staff_analyst.get("/admin/grids/person/", {"q": "测试"})
    as_administrator = login("admin").get("/admin/grids/person/", {"q": "测试"})
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
