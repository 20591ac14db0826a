"""Dates and times in one Chinese convention everywhere, 2026-12-06 18:27 and 2026-12-06, in both
languages: Django's formats (govgrid/formats) for pages, incidents/static/incidents/dates.js for
times the browser writes itself."""

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from incidents.intake import Report, report_incident
from incidents.models import Incident

MOMENT = dt.datetime(2026, 12, 6, 10, 27, tzinfo=dt.UTC)  # 18:27 in Shanghai


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_django_formats_dates_and_times_one_way_in_both_languages(language):
    template = Template(
        '{{ moment }}|{{ moment|date }}|{{ moment|date:"DATETIME_FORMAT" }}|{{ moment|date:"SHORT_DATE_FORMAT" }}'
    )
    with translation.override(language):
        assert template.render(Context({"moment": MOMENT})) == "2026-12-06 18:27|2026-12-06|2026-12-06 18:27|2026-12-06"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_case_page_and_the_queue_write_every_time_the_same_way(city, language):
    point = city.grid_of("grid_worker").geom.point_on_surface
    report = Report(client_id=uuid.uuid4(), category="0301", description="测试", lon=point.x, lat=point.y)
    code = report_incident(city.users["grid_worker"], report)[0].code
    received = Incident.objects.get(code=code).received_at.astimezone(ZoneInfo("Asia/Shanghai"))
    client = city.client("community_dispatcher")
    for path in (f"/dispatch/{code}/", "/dispatch/"):
        html = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        times = re.findall(r"<time[^>]*>([^<]*)</time>", html)
        assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", t) for t in times), times
        assert received.strftime("%Y-%m-%d %H:%M") in times
