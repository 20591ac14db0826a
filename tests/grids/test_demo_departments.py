"""The demo city's departments: who they are, where they are competent, and that every category a
case can be filed under reaches a department in every street."""

import pytest

from grids.models import Area, Assignment, Department, Level, Role, is_town_code
from incidents.departments import routes
from incidents.models import Category

pytestmark = pytest.mark.django_db


def test_the_demo_has_its_departments_each_with_a_head_and_handlers():
    departments = Department.objects.filter(district__code="411381")
    assert departments.count() == 11
    for department in departments:
        roles = list(Assignment.objects.active().filter(department=department).values_list("role", flat=True))
        assert roles.count(Role.DEPARTMENT_HEAD) == 1 and roles.count(Role.DEPARTMENT_HANDLER) >= 2, department


def test_the_department_handler_account_handles_for_urban_management():
    assignment = Assignment.objects.active().get(person__user__username="department_handler")
    assert (assignment.role, assignment.department.code, assignment.area.code) == (
        Role.DEPARTMENT_HANDLER,
        "411381-cg",
        "411381",
    )


def test_the_water_company_serves_only_the_urban_streets():
    water = Department.objects.get(code="411381-zls")
    streets = set(water.streets.values_list("code", flat=True))
    assert streets and not any(is_town_code(code) for code in streets)
    town = Area.objects.towns().first()
    assert water not in Department.objects.competent_in(town.code)


def test_every_category_item_reaches_a_department_in_every_street():
    streets = Area.objects.within("411381").filter(level=Level.STREET)
    for item in Category.objects.reportable():
        for street in streets:
            assert routes(item, street.code), (item.code, street.code)
    # the item's own route comes before its class's: a leaking water main goes to the water company
    urban = next(street for street in streets if not is_town_code(street.code))
    assert routes(Category.objects.get(code="0103"), urban.code)[0][0].code == "411381-zls"
    assert routes(Category.objects.get(code="0103"), Area.objects.towns().first().code)[0][0].code == "411381-sl"
