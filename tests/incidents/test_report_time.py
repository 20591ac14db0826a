"""reported_at: the moment the phone says a report was made, inside a window around its reception;
anything else is a 400 naming reported_at, never a 500."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident


@pytest.fixture
def report(city):
    """report(**fields) → a report body made in alice's grid."""
    point = city.grid_of("grid_worker").geom.point_on_surface

    def body(**fields):
        made = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "井盖缺失", "lon": point.x}
        return made | {"lat": point.y} | fields

    return body


@pytest.fixture
def alice(city):
    """grid_worker of the drawn city."""
    return city.client("grid_worker")


def post(client, body, language="zh-hans"):
    return client.post("/api/v1/incidents/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)


def refused_reported_at(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "reported_at" and list(body["errors"]) == ["reported_at"]
    return body


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00",  # no offset: read in Asia/Shanghai, before year 1 in UTC
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59-12:00",
        "not a time",
        "2026-02-30T10:00:00+08:00",
    ],
)
def test_a_report_time_at_the_ends_of_the_calendar_or_garbled_is_400_naming_reported_at(alice, report, value):
    before = Incident.objects.count()
    body = refused_reported_at(post(alice, report(reported_at=value)))
    assert body["detail"].startswith("reported_at") and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    assert Incident.objects.count() == before


def test_a_report_made_three_days_ago_on_a_phone_that_was_offline_is_received(alice, report):
    made = timezone.now() - timedelta(hours=71)
    response = post(alice, report(reported_at=made.isoformat()))
    assert response.status_code == 201
    assert Incident.objects.get(code=response.json()["code"]).reported_at == made


def test_a_report_older_than_the_window_is_refused_saying_how_old_it_may_be(alice, report, settings):
    settings.REPORTED_AT_MAX_AGE_HOURS = 72
    old = (timezone.now() - timedelta(hours=73)).isoformat()
    body = refused_reported_at(post(alice, report(reported_at=old), language="en"))
    assert "72 hours" in body["detail"]
    assert "72" in refused_reported_at(post(alice, report(reported_at=old)))["detail"]


def test_the_window_is_a_setting(alice, report, settings):
    settings.REPORTED_AT_MAX_AGE_HOURS = 2
    refused_reported_at(post(alice, report(reported_at=(timezone.now() - timedelta(hours=3)).isoformat())))


def test_a_phone_clock_a_few_minutes_ahead_is_tolerated_but_not_an_hour(alice, report):
    assert post(alice, report(reported_at=(timezone.now() + timedelta(minutes=5)).isoformat())).status_code == 201
    refused_reported_at(post(alice, report(reported_at=(timezone.now() + timedelta(hours=1)).isoformat())))


def test_a_retry_arriving_after_the_window_still_gets_its_case(alice, report, settings):
    """The first copy came in time; the phone never saw the answer and sends it again days later."""
    body = report(reported_at=(timezone.now() - timedelta(hours=70)).isoformat())
    first = post(alice, body)
    assert first.status_code == 201
    settings.REPORTED_AT_MAX_AGE_HOURS = 1
    again = post(alice, body)
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
