"""An export reads its server-side cursor to the end, so PostgreSQL plans it for the whole result:
a cursor is planned by default for its first tenth, which at 2,000,000 cases made a street's month
walk the whole case table in id order (bench/results.md, pages at 50,000 grids)."""

import json

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


def coverage_export(client):
    response = client.get("/api/v1/export/coverage.geojson")
    chunks = iter(response.streaming_content)
    body = [next(chunks), next(chunks)]  # the opening, then the first rows, read through the open cursor
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_cursors")
        statements = [row[0] for row in cursor.fetchall()]
    return b"".join(body + list(chunks)), statements


@pytest.mark.django_db
def test_the_coverage_export_reads_todays_maintained_table_and_says_what_the_live_rules_say(city):  # noqa: F811
    from grids import coverage_table

    analyst = city.client("analyst")
    coverage_table.suspend()
    live, statements = coverage_export(analyst)
    assert "grids_gridcoverage" not in statements[0]
    coverage_table.rebuild()
    from_table, statements = coverage_export(analyst)
    assert "FROM grids_gridcoverage" in statements[0]
    assert json.loads(from_table) == json.loads(live) and json.loads(live)["features"]
