"""A report the server refused, on the phone page in Chromium: "Edit" takes it out of the outbox and
puts it back in the form as it was (category, description, the place it was reported, as a pin
placed by hand), to be corrected and sent as a new report with a new client_id."""

import pytest
from playwright.sync_api import expect

from tests.incidents.test_phone_cases import open_phone_page


@pytest.mark.django_db
def test_editing_a_refused_report_puts_it_back_in_the_form_and_sends_it_as_a_new_one(
    served_app, served_city, screen, forget_reports
):
    elsewhere = served_city.grid_of("grid_worker_2").geom.point_on_surface  # not grid_worker's: refused
    alice = open_phone_page(screen, served_app, "phone", elsewhere, served_city.users["grid_worker"].username)
    page = alice.page
    expect(page.locator("#where")).to_have_attribute("data-source", "gps")
    page.select_option("#category-class", value="03")
    page.select_option("#category", value="0301")
    page.fill("#description", "占道经营，待更正")
    page.click("#send")
    item = page.locator("#outbox li[data-client-id]").first
    expect(item).to_have_attribute("data-state", "failed", timeout=30_000)
    refused = item.get_attribute("data-client-id")
    forget_reports.append(refused)
    expect(page.locator("#description")).to_have_value("")  # the form was emptied when it was sent

    item.get_by_role("button").nth(1).click()  # send again, edit, discard
    expect(page.locator("#panel-report")).to_be_visible()
    expect(page.locator("#category-class")).to_have_value("03")
    expect(page.locator("#category")).to_have_value("0301")
    expect(page.locator("#description")).to_have_value("占道经营，待更正")
    expect(page.locator("#where")).to_have_attribute("data-source", "hand")
    expect(page.locator("#outbox li[data-client-id]")).to_have_count(0)

    page.fill("#description", "占道经营，已更正")
    page.click("#send")
    again = page.locator("#outbox li[data-client-id]").first
    expect(again).to_have_attribute("data-state", "failed", timeout=30_000)  # still not in the worker's grids
    forget_reports.append(again.get_attribute("data-client-id"))
    assert again.get_attribute("data-client-id") != refused
    expect(again.locator(".text")).to_have_text("占道经营，已更正")
    assert alice.blocked == []
