"""An export reads its server-side cursor to the end, so PostgreSQL plans it for the whole result:
a cursor is planned by default for its first tenth, which at 2,000,000 cases made a street's month
walk the whole case table in id order (bench/results.md, pages at 50,000 grids)."""

import pytest
from django.db import connection

from exports.plan import plan_export
from grids.scopes import Scope
from tests.exports.test_exports import cases, city  # noqa: F401 - the fixtures of the exports' tests


def setting(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_exports_cursor_is_planned_for_its_whole_result(city, cases):  # noqa: F811
    plan = plan_export("incidents", {}, Scope.for_user(city.users["analyst"]))
    batches = plan.rows("geojsonl", batch=1)
    next(batches)
    assert setting("cursor_tuple_fraction") == "1"
