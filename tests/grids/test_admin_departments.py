"""Departments are managed in the admin: a department with its streets of competence and the people
serving in it, whose assignments take the department's district as their area."""

import pytest

from grids.models import Assignment, Department, Role

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_department_with_its_handler(staffed_city):
    city = staffed_city
    person = city.person("部门办理员")
    form = {
        "code": "t-zj",
        "name": "住房和城乡建设局",
        "short_name": "住建",
        "district": city.district.pk,
        "streets": [city.streets[0].pk],
        "phone": "0377-62000000",
        "active": "on",
        "assignments-TOTAL_FORMS": 1,
        "assignments-INITIAL_FORMS": 0,
        "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000,
        "assignments-0-person": person.pk,
        "assignments-0-role": Role.DEPARTMENT_HANDLER,
        "assignments-0-starts_on": "2026-01-01",
    }
    answer = city.client("admin").post("/admin/grids/department/add/", form)
    if answer.status_code != 302:  # the form's and the inline's errors, to say why
        errors = [answer.context["adminform"].form.errors] + [
            f.formset.errors for f in answer.context["inline_admin_formsets"]
        ]
        raise AssertionError(errors)
    department = Department.objects.get(code="t-zj")
    assert list(department.streets.values_list("code", flat=True)) == [city.streets[0].code]
    assignment = Assignment.objects.get(person=person)
    assert (assignment.department, assignment.area, assignment.role) == (
        department,
        city.district,
        Role.DEPARTMENT_HANDLER,
    )
    assert city.client("street_dispatcher").get("/admin/grids/department/add/").status_code in (302, 403)


def test_the_admin_offers_only_department_roles_for_a_departments_people(staffed_city):
    html = staffed_city.client("admin").get("/admin/grids/department/add/").content.decode()
    people = html[html.index('name="assignments-__prefix__-role"') :]
    people = people[: people.index("</select>")]
    assert 'value="department_handler"' in people and 'value="grid_worker"' not in people
