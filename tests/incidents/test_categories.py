"""GET /api/v1/categories/: the active classes, each with its active items, in code order, as the
phone's report form reads them."""

import pytest

from incidents.models import Category


@pytest.fixture
def street_lights(db):
    """A class with an item in use, one retired, and a retired class whose item is still active."""
    lights = Category.objects.create(code="Z9", name="路灯")
    Category.objects.create(code="Z902", name="灯杆倾斜", parent=lights, deadline_grid_hours=12)
    Category.objects.create(code="Z901", name="路灯不亮", parent=lights, deadline_grid_hours=48)
    Category.objects.create(code="Z903", name="旧灯箱", parent=lights, active=False)
    retired = Category.objects.create(code="Z8", name="报亭", active=False)
    Category.objects.create(code="Z801", name="报亭破损", parent=retired)
    return lights


def test_a_class_is_listed_with_its_active_items_only_in_code_order(city, street_lights):
    answer = city.client("grid_worker").get("/api/v1/categories/")
    assert answer.status_code == 200
    [lights] = [c for c in answer.json() if c["code"] == "Z9"]
    assert list(lights) == ["code", "name", "items"]
    assert lights["items"] == [
        {"code": "Z901", "name": "路灯不亮", "deadline_grid_hours": 48},
        {"code": "Z902", "name": "灯杆倾斜", "deadline_grid_hours": 12},
    ]


def test_a_retired_class_is_not_listed_even_with_an_active_item(city, street_lights):
    codes = [c["code"] for c in city.client("grid_worker").get("/api/v1/categories/").json()]
    assert "Z8" not in codes
    assert codes == sorted(codes)
