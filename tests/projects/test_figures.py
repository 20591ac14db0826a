"""The register's figures per area: counted from the drawing, and the same numbers in the API, its
CSV and the register page."""

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client

from projects import services

from .conftest import milestones_of, register, report, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(cast):
    """Community A: 红色物业 (budget 50,000; its first milestone, due two weeks ago, closed off late
    today; its second due in two weeks) and 网格议事厅 (budget 20,000; its first milestone overdue);
    community B: 党建引领老旧小区改造, withdrawn; the street: 街道党建联盟 (budget 100,000, its
    first milestone overdue)."""
    red = register(cast, budget=Decimal("50000"))
    first = milestones_of(red)[0]
    report(cast, red, first)
    verify(cast, red, first)
    register(cast, title="网格议事厅建设", budget=Decimal("20000"))
    old = register(cast, by="sun", area=cast.b, owner="sun", title="党建引领老旧小区改造", budget=Decimal("9"))
    services.withdraw(cast["sun"], old.pk, old.version, "并入街道项目")
    register(cast, by="zhao", area=cast.street, owner="zhao", title="街道党建联盟", budget=Decimal("100000"))
    return cast


class FiguresTable(HTMLParser):
    """{area code: {figure: the cell's text}} of the page's table of figures."""

    @classmethod
    def read(cls, html):
        parser = cls()
        parser.feed(html)
        return parser.rows

    def __init__(self):
        super().__init__()
        self.rows, self.code, self.figure = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-code" in attrs:
            self.code = attrs["data-code"]
            self.rows[self.code] = {}
        elif tag == "td" and self.code and "data-figure" in attrs:
            self.figure = attrs["data-figure"]
            self.rows[self.code][self.figure] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.figure = None

    def handle_data(self, data):
        if self.figure:
            self.rows[self.code][self.figure] += data.strip()


def client_of(cast, name):
    client = Client()
    client.force_login(cast[name])
    return client


def test_the_figures_per_community_count_the_drawing(counted):
    cast = counted
    rows = client_of(cast, "zhao").get(f"/api/v1/projects/figures/?within={cast.street.code}&level=community").json()
    by_code = {row["code"]: row for row in rows["areas"]}
    a, b = by_code[cast.a.code], by_code[cast.b.code]
    assert (a["registered"], a["open"], a["closed_off"], a["withdrawn"]) == (2, 2, 0, 0)
    assert (a["milestones_due"], a["milestones_closed_off"], a["milestones_overdue"]) == (2, 1, 1)
    assert a["milestones_closed_off_on_time"] == 0  # closed off today, due two weeks ago
    assert a["budget"] == "70000.00"
    assert (b["registered"], b["withdrawn"], b["milestones_due"], b["budget"]) == (1, 1, 0, "0.00")


def test_the_street_row_counts_its_own_projects_and_its_communities(counted):
    cast = counted
    rows = client_of(cast, "li").get(f"/api/v1/projects/figures/?within={cast.city.code}&level=street").json()
    street = next(row for row in rows["areas"] if row["code"] == cast.street.code)
    assert (street["registered"], street["open"], street["withdrawn"]) == (4, 3, 1)
    assert (street["milestones_overdue"], street["budget"]) == (2, "170000.00")


def test_the_api_the_csv_and_the_page_show_the_same_numbers(counted):
    cast = counted
    zhao = client_of(cast, "zhao")
    query = f"within={cast.street.code}&level=community"
    from_api = zhao.get(f"/api/v1/projects/figures/?{query}").json()["areas"]
    answer = zhao.get(f"/api/v1/projects/figures.csv?{query}")
    assert answer["Content-Type"].startswith("text/csv")
    from_csv = list(csv.DictReader(io.StringIO(answer.content.decode())))
    from_page = FiguresTable.read(zhao.get(f"/projects/?within={cast.street.code}").content.decode())
    assert [row["code"] for row in from_api] == [row["code"] for row in from_csv] == list(from_page)
    for row, line in zip(from_api, from_csv, strict=True):
        assert {k: str(v) for k, v in row.items()} == line
        shown = from_page[row["code"]]
        assert {k: str(row[k]) for k in shown} == shown
        assert len(shown) == 8  # every figure but the withdrawn


def test_a_level_above_the_area_asked_is_refused_naming_the_level(counted):
    answer = client_of(counted, "wang").get(f"/api/v1/projects/figures/?within={counted.a.code}&level=street")
    assert answer.status_code == 400 and answer.json()["field"] == "level"


def test_another_community_s_staff_get_404_for_the_figures_of_a(counted):
    answer = client_of(counted, "sun").get(f"/api/v1/projects/figures/?within={counted.a.code}&level=community")
    assert answer.status_code == 404 and answer.json()["field"] == "within"


def test_the_district_s_leader_sees_a_row_per_street_and_the_community_its_own(counted):
    cast = counted
    streets = FiguresTable.read(client_of(cast, "li").get("/projects/").content.decode())
    assert list(streets) == [street.code for street in cast.city.streets]
    assert streets[cast.street.code]["registered"] == "4"
    own = FiguresTable.read(client_of(cast, "wang").get("/projects/").content.decode())
    assert list(own) == [cast.a.code] and own[cast.a.code]["milestones_overdue"] == "1"
