"""The admin writes only for administrators, and its login is throttled like every other. The people
are the cast of a drawn city (tests/grids/cast.py)."""

import pytest
from django.contrib.auth.models import Permission

from grids.models import Assignment, FailedLogin, Person, Role
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def staff_dispatcher(cast):
    """community_dispatcher, made staff with every grids permission: still no writing here."""
    user = cast.users["community_dispatcher"]
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="grids"))
    return cast.client("community_dispatcher")


@pytest.mark.django_db
def test_a_staff_dispatcher_cannot_give_themselves_a_role_in_the_admin(cast, staff_dispatcher):
    person = Person.objects.get(user=cast.users["community_dispatcher"])
    before = Assignment.objects.count()
    response = staff_dispatcher.post(
        "/admin/grids/assignment/add/",
        {
            "person": person.pk,
            "role": Role.ADMINISTRATOR,
            "area": cast.district.pk,
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 403
    assert Assignment.objects.count() == before


@pytest.mark.django_db
def test_a_staff_dispatcher_sees_only_people_of_its_community_and_edits_none(cast, staff_dispatcher):
    response = staff_dispatcher.get("/admin/grids/person/")
    assert response.status_code == 200
    outsider = Person.objects.get(user=cast.users["grid_worker_2"])
    assert staff_dispatcher.get(f"/admin/grids/person/{outsider.pk}/change/").status_code in (302, 404)
    own = Person.objects.get(user=cast.users["community_dispatcher"])
    page = staff_dispatcher.get(f"/admin/grids/person/{own.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]


@pytest.mark.django_db
def test_the_admin_login_is_throttled(client, usernames, settings):
    admin = usernames["admin"]
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/admin/login/", {"username": admin, "password": "wrong"})
    assert FailedLogin.objects.filter(username=admin).count() == settings.LOGIN_MAX_FAILURES
    response = client.post("/admin/login/", {"username": admin, "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logging_out_clears_the_sites_offline_copy(cast):
    response = cast.client("grid_worker").post("/accounts/logout/")
    assert response.status_code == 302 and response["Clear-Site-Data"] == '"cache"'
