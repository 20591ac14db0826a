"""GET /api/v1/calendar/?year=YYYY: a year's days off and make-up working days, each with its date,
name and source, and whether its arrangement is entered; refusals name the field `year`."""

import pytest
from django.test import Client

from workcalendar.models import Day, Year

pytestmark = pytest.mark.django_db


def test_2027_lists_new_years_day_and_the_spring_festival_from_its_eve_computed_by_the_rules(staffed_city):
    response = staffed_city.client("grid_worker").get("/api/v1/calendar/?year=2027")
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["arrangement_entered"], body["make_up_working_days"]) == (2027, False, [])
    assert body["days_off"][0] == {"date": "2027-01-01", "name": "元旦", "source": "rules"}
    spring = [d for d in body["days_off"] if d["name"] == "春节"]
    assert [d["date"] for d in spring] == ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]


def test_2026_lists_the_packages_days_and_its_make_up_working_days(staffed_city):
    body = staffed_city.client("leader").get("/api/v1/calendar/?year=2026").json()
    assert body["arrangement_entered"] is True
    assert {"date": "2026-10-07", "name": "国庆节", "source": "package"} in body["days_off"]
    assert body["make_up_working_days"] == [
        {"date": d, "name": n, "source": "package"}
        for d, n in [
            ("2026-01-04", "元旦"),
            ("2026-02-14", "春节"),
            ("2026-02-28", "春节"),
            ("2026-05-09", "劳动节"),
            ("2026-09-20", "国庆节"),
            ("2026-10-10", "国庆节"),
        ]
    ]


def test_a_day_an_administrator_entered_shows_with_its_source_beside_the_computed_ones(staffed_city):
    year = Year.objects.create(year=2027)
    Day.objects.create(year=year, date="2027-02-09", kind="off", name="春节", source="admin")
    body = staffed_city.client("leader").get("/api/v1/calendar/?year=2027").json()
    assert {"date": "2027-02-09", "name": "春节", "source": "admin"} in body["days_off"]
    assert {"date": "2027-02-05", "name": "春节", "source": "rules"} in body["days_off"]


@pytest.mark.parametrize("query", ["", "?year=", "?year=abc", "?year=2027.5", "?year=1999", "?year=2100"])
def test_a_missing_or_bad_year_is_refused_naming_the_field_in_chinese(staffed_city, query):
    response = staffed_city.client("leader").get("/api/v1/calendar/" + query)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "year" and body["detail"].startswith("year: ")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body


def test_the_refusal_is_in_english_on_request(staffed_city):
    response = staffed_city.client("leader").get("/api/v1/calendar/?year=1999", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "year: Ensure this value is greater than or equal to 2004."


def test_the_calendar_needs_a_login_like_the_rest_of_the_api():
    assert Client().get("/api/v1/calendar/?year=2027").status_code == 401


def test_the_schema_describes_the_calendar(staffed_city):
    schema = staffed_city.client("leader").get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/calendar/"]["get"]
    year = next(p for p in operation["parameters"] if p["name"] == "year")
    assert year["required"] and year["schema"]["minimum"] == 2004
    assert {"200", "400", "401"} <= set(operation["responses"])
