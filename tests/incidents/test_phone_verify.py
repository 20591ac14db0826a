"""The grid worker verifies a department's work on the phone page: the case waits under "To verify",
the after photo is taken where the phone is, and the case is verified (or sent back). In Chromium
on a phone, as a grid worker uses it."""

import pytest
from playwright.sync_api import expect

from incidents.models import Incident, IncidentPhoto
from tests.incidents.browsing import act_via, report_via, token_of


def resolved_by_the_department(served_app, city, forget_reports, description):
    names = ("grid_worker", "community_dispatcher", "street_dispatcher", "cg_handler")
    tokens = {name: token_of(served_app, city.users[name].username) for name in names}
    point = city.grid_of("grid_worker").geom.point_on_surface
    code = report_via(served_app, tokens["grid_worker"], forget_reports, description, point)
    act_via(served_app, tokens["grid_worker"], code, "escalate", reason="需要社区协调")
    act_via(served_app, tokens["community_dispatcher"], code, "escalate", reason="需要街道协调")
    act_via(served_app, tokens["street_dispatcher"], code, "dispatch", department="t-cg-served")
    act_via(served_app, tokens["cg_handler"], code, "sign")
    act_via(served_app, tokens["cg_handler"], code, "resolve", note="已清运")
    return code, point


@pytest.mark.django_db
def test_the_grid_worker_verifies_on_site_with_the_after_photo(
    served_app, dispatching_city, screen, forget_reports, tmp_path
):
    from PIL import Image

    city = dispatching_city
    code, point = resolved_by_the_department(served_app, city, forget_reports, "核查测试")
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (64, 48), (40, 160, 90)).save(photo, "JPEG")

    shown = screen(
        "phone", geolocation={"latitude": point.y, "longitude": point.x, "accuracy": 5}, permissions=["geolocation"]
    )
    shown.log_in(served_app, city.users["grid_worker"].username, "/m/")
    page = shown.page
    expect(page.locator("#verify-count")).to_have_text("1")
    page.click("#tab-verify")
    item = page.locator(f'#verify-list li[data-code="{code}"]')
    expect(item).to_contain_text("城市管理局")
    item.locator("button").click()
    page.click("#verify-confirm")  # no photo yet: said, nothing sent
    expect(page.locator("#verify-error")).to_be_visible()
    page.set_input_files("#verify-photo", str(photo))
    page.click("#verify-confirm")
    expect(page.locator("#verify-note")).to_contain_text(code)
    expect(page.locator(f'#verify-list li[data-code="{code}"]')).to_have_count(0)
    expect(page.locator("#verify-form")).to_be_hidden()
    expect(page.locator("#verify-note")).to_contain_text("已核查")  # not replaced by the list read again
    assert shown.overflow() == 0
    shown.shoot("phone-verify")
    assert shown.blocked == [] and [e for e in shown.console_errors if "favicon" not in e] == []

    case = Incident.objects.get(code=code)
    assert case.status == "verified"
    after = IncidentPhoto.objects.get(incident=case, kind="after")
    assert after.location.distance(case.location) * 111000 < 50  # taken where the phone is
