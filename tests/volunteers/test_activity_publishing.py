"""Community staff publish an activity from the activities page, in Chromium on a phone (390×844,
touch, Chinese: the place tapped on the map) and on a desktop (English: at the community's service
station), a refusal said in the words of its field with what was typed kept, then the activity
listed, and 李明 sees it on his phone page.
The form's refusals field by field go through the page's POST; the form is shown to whoever may
publish through the API, and to nobody else."""

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.incidents.conftest import demo_password_hash
from volunteers.models import Activity

pytestmark = pytest.mark.django_db

PHONE = {"width": 390, "height": 844}
STATION = "方格1社区党群服务站"


@pytest.fixture(scope="module")
def served_cast(django_db_setup, django_db_blocker):
    """The volunteers' cast in a committed city, sun (community staff) and li (a member) logging in
    with the demo's password."""
    from tests.conftest import committed_city

    from .conftest import add_cast

    def people(city):
        city.cast = add_cast(city)
        city.cast.station = city.station(STATION, city.cast.community)
        for name in ("sun", "li"):
            city.cast[name].password = demo_password_hash()
            city.cast[name].save(update_fields=["password"])

    with committed_city(django_db_blocker, people, code="990083", origin=(113.2, 32.4)) as city:
        yield city.cast


def local(day, hour):
    """A datetime-local field's value: `hour` o'clock of `day` in the site's time zone."""
    return datetime.combine(day, time(hour)).strftime("%Y-%m-%dT%H:%M")


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    ("name", "locale", "ends_word"), [("phone", "zh-CN", "结束时间"), ("desktop", "en-US", "ends at")]
)
def test_staff_publish_an_activity_on_the_map_and_the_member_sees_it_on_his_phone(
    served_app, served_cast, screen, name, locale, ends_word, django_db_blocker
):
    cast = served_cast
    title = f"楼道清理日 {name}"
    staff = screen(name, locale=locale)
    if name == "phone":
        staff.page.set_viewport_size(PHONE)
    staff.log_in(served_app, cast["sun"].username, f"/volunteers/activities/?within={cast.community.code}")
    page = staff.page
    page.click("#publish summary")
    form = page.locator("#publish-form")
    expect(form.locator("#publish-community")).to_have_value(cast.community.code)
    form.locator("#publish-title").fill(title)
    form.locator("#publish-kind").select_option("cleaning")
    form.locator("#publish-team").select_option(str(cast.team.pk))
    if name == "phone":  # a tap in the middle of the community: the activity's point
        form.locator("#publish-place").fill("3号楼门前")
        page.locator("#publish-map").tap()
    else:  # at the community's service station: its point, and its name for the place
        form.locator("#publish-station").select_option(label=STATION)
        expect(form.locator("#publish-place")).to_have_value(STATION)
    expect(form.locator("#publish-lon")).not_to_have_value("")
    form.locator("#publish-starts").fill(local(tomorrow(), 11))
    form.locator("#publish-ends").fill(local(tomorrow(), 9))  # a slip: ends before it starts
    form.locator("#publish-capacity").fill("20")
    form.locator("#publish-hours").fill("2")
    with page.expect_navigation():
        form.locator("#publish-send").click()
    expect(page.locator("#publish-error")).to_contain_text(ends_word)
    expect(page.locator("#publish-ends")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#publish-title")).to_have_value(title)  # what was typed is kept
    assert staff.overflow() == 0
    staff.shoot("activity-publish-refused")

    page.locator("#publish-ends").fill(local(tomorrow(), 12))
    with page.expect_navigation():
        page.locator("#publish-send").click()
    expect(page.locator(".message.success")).to_contain_text(title)
    with django_db_blocker.unblock():
        published = Activity.objects.get(title=title)
        assert cast.community.geom.covers(published.location)
        assert (published.organiser, published.team, published.capacity, published.kind) == (
            cast["sun"], cast.team, 20, "cleaning"
        )  # fmt: skip
        assert timezone.localtime(published.starts_at).hour == 11
        if name == "desktop":
            assert published.place == STATION
            assert published.location.distance(cast.station.location) < 1e-6
    expect(page.locator(f'#activity-list li[data-id="{published.pk}"] h2')).to_contain_text(title)
    assert staff.overflow() == 0 and not staff.blocked
    assert all("400" in error for error in staff.console_errors)  # the browser's note of the refused form
    staff.shoot("activity-published")

    member = screen("phone", locale=locale)
    member.page.set_viewport_size(PHONE)
    member.log_in(served_app, cast["li"].username, "/v/")
    member.page.click("#tab-activities")
    expect(member.page.locator(f'#activities li[data-activity="{published.pk}"]')).to_contain_text(title)
    assert member.overflow() == 0 and not member.console_errors


# --- the page's POST, field by field ---------------------------------------------------------------


def fields(cast, **changes):
    spot = cast.grid.geom.point_on_surface
    return {"do": "publish", "community": cast.community.code, "title": "读书会", "place": "社区活动室",
            "lon": str(spot.x), "lat": str(spot.y), "starts_at": local(tomorrow(), 14),
            "ends_at": local(tomorrow(), 16), "hours": "2", "capacity": "", "team": "",
            "kind": ""} | changes  # fmt: skip


def posted(cast, who="sun", language="zh-hans", **changes):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(cast[who])
    return client.post("/volunteers/activities/", fields(cast, **changes))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"capacity": "0"}, "capacity", "名额"),
        ({"ends_at": local(tomorrow(), 13)}, "ends_at", "结束时间"),
        ({"title": ""}, "title", "活动名称"),
        ({"lon": "120.5"}, "location", "地图上的位置"),
        ({"hours": "9"}, "hours", "计入时长"),
        ({"starts_at": "明天"}, "starts_at", "开始时间"),
    ],
)
def test_a_refused_activity_is_said_in_the_words_of_its_field_and_nothing_is_written(cast, changes, field, words):
    before = Activity.objects.count()
    answer = posted(cast, **changes)
    assert answer.status_code == 400
    error = answer.context["publish"]["refusal"]
    assert error["field"] == field and error["text"].startswith(words)
    assert words in answer.content.decode()
    assert Activity.objects.count() == before


def test_the_refusal_speaks_english_when_asked(cast):
    answer = posted(cast, language="en", capacity="0")
    assert answer.status_code == 400
    assert answer.context["publish"]["refusal"]["text"].startswith("places: ")


def test_a_member_who_may_not_publish_sees_no_form_and_his_post_is_refused(cast):
    client = Client()
    client.force_login(cast["li"])
    page = client.get("/volunteers/activities/")
    assert page.status_code in (200, 404)
    assert b"publish-form" not in page.content
    assert posted(cast, who="li").status_code in (403, 404)
    assert not Activity.objects.filter(title="读书会").exists()


def test_staff_see_the_form_with_their_communitys_teams_and_publish(cast):
    client = Client()
    client.force_login(cast["sun"])
    page = client.get("/volunteers/activities/")
    assert [c.code for c in page.context["publish"]["communities"]] == [cast.community.code]
    assert [team["id"] for team in page.context["publish"]["teams"]] == [cast.team.pk]
    answer = posted(cast, team=str(cast.team.pk), capacity="12")
    assert answer.status_code == 302
    made = Activity.objects.get(title="读书会")
    assert (made.team, made.capacity, made.radius_m) == (cast.team, 12, 200)
