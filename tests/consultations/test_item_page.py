"""The item's page in Chromium, served as `make run` serves it: its stages as a stepper, its meeting
and the forms for the allowed actions, on a phone (390 px) and a desktop, in Chinese and English,
with nothing to scroll sideways and no console error; the dispatcher moves the item on from it."""

import pytest
from playwright.sync_api import expect

from consultations.models import Item

pytestmark = pytest.mark.django_db

WIDE = "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"


def open_item(screen, served_app, city, name, size, **options):
    shown = screen(size, **options)
    shown.log_in(served_app, city.users[name].username, f"/consultations/{city.item.pk}/")
    expect(shown.page.locator("#stages li")).to_have_count(7)
    return shown


def clean(shown):
    assert shown.overflow() == 0 and shown.page.evaluate(WIDE) == 0
    assert shown.blocked == [] and [e for e in shown.console_errors if "favicon" not in e] == []


def test_the_item_page_on_a_phone_and_a_desktop(served_app, served_consultation_city, screen):
    city = served_consultation_city
    phone = open_item(screen, served_app, city, "community_dispatcher", "phone")
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("#stages li.current")).to_contain_text("协商")
    expect(page.locator("#stages li.done")).to_have_count(2)
    expect(page.locator("#meetings li")).to_contain_text("社区党群服务中心二楼议事厅")
    expect(page.locator("#proposer")).to_contain_text("13912345678")
    expect(page.locator("#advance-form")).to_be_visible()
    expect(page.locator("#decide-form")).to_have_count(0)  # not at the decision stage
    page.click("#meeting-details summary")
    expect(page.locator("#meeting-form")).to_be_visible()
    clean(phone)
    phone.shoot("consultation-item")
    page.goto(f"{served_app}/consultations/")
    expect(page.locator(f'#items li[data-id="{city.item.pk}"]')).to_have_count(1)
    clean(phone)
    phone.shoot("consultation-list")

    desk = open_item(screen, served_app, city, "community_dispatcher", "desktop")
    desk.page.fill("#advance-form input[name=note]", "协商一致")
    desk.page.click("#advance-form button[type=submit]")
    expect(desk.page.locator(".message.success")).to_contain_text("已进入下一环节")
    expect(desk.page.locator("#stages li.current")).to_contain_text("公示")
    clean(desk)
    desk.shoot("consultation-item")
    assert Item.objects.get(pk=city.item.pk).stage == 3


def test_the_analyst_reads_it_in_english_with_the_phone_masked(served_app, served_consultation_city, screen):
    city = served_consultation_city
    shown = open_item(screen, served_app, city, "analyst", "phone", locale="en-US")
    page = shown.page
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h2").first).to_have_text("Meetings")
    expect(page.locator("#proposer")).to_have_text("139****5678")
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#actions form")).to_have_count(0)
    clean(shown)
    shown.shoot("consultation-item-analyst-en")
