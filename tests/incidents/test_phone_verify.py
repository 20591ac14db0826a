"""The grid worker verifies a department's work on the phone page: the case waits under "To verify",
the after photo is taken where the phone is, and the case is verified (or sent back). In Chromium
on a phone, as a grid worker uses it."""

import uuid
from urllib.request import Request, urlopen

import pytest
from PIL import Image
from playwright.sync_api import expect

from incidents.models import Incident, IncidentPhoto
from tests.incidents.browsing import act_via, report_via, token_of
from tests.notifications.conftest import smtp  # noqa: F401 - a fixture


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
    shown.context.set_offline(True)  # in a basement: kept on the phone, nothing lost
    page.click("#verify-confirm")
    expect(page.locator("#verify-note")).to_contain_text("已保存在手机上")
    assert Incident.objects.get(code=code).status == "resolved"
    page.reload()  # even a reload keeps it (IndexedDB), and the list as last read, marked
    page.click("#tab-verify")
    expect(page.locator(f'#verify-list li[data-code="{code}"]')).to_have_attribute("data-waiting", "true")
    expect(page.locator("#verify-count")).to_be_hidden()
    shown.context.set_offline(False)  # the network comes back: sent by itself
    page.click("#tab-verify")
    expect(page.locator("#verify-note")).to_contain_text(code)
    expect(page.locator(f'#verify-list li[data-code="{code}"]')).to_have_count(0)
    expect(page.locator("#verify-form")).to_be_hidden()
    expect(page.locator("#verify-note")).to_contain_text("已核查")  # not replaced by the list read again
    expect(page.locator("#verify-count")).to_be_hidden()
    assert shown.overflow() == 0
    shown.shoot("phone-verify")
    assert shown.blocked == [] and [e for e in shown.console_errors if "favicon" not in e] == []

    case = Incident.objects.get(code=code)
    assert case.status == "verified"
    after = IncidentPhoto.objects.get(incident=case, kind="after")
    assert after.location.distance(case.location) * 111000 < 50  # taken where the phone is


@pytest.mark.django_db
def test_after_the_verification_the_dispatcher_closes_and_calls_back_in_chromium(
    served_app, dispatching_city, screen, forget_reports, tmp_path
):
    """The rest of the loop on a desktop: the street's second dispatcher sees before and after side
    by side, closes (after the page asks once more), and records the call-back."""
    city = dispatching_city
    code, point = resolved_by_the_department(served_app, city, forget_reports, "结案回访测试")
    worker = token_of(served_app, city.users["grid_worker"].username)
    photo = tmp_path / "after.png"
    Image.new("RGB", (32, 32), (200, 30, 30)).save(photo, "PNG")
    upload_after_photo(served_app, worker, code, photo, point)
    act_via(served_app, worker, code, "verify")

    desk = screen("desktop")
    desk.log_in(served_app, city.users["street_closer"].username, f"/dispatch/{code}/")
    page = desk.page
    expect(page.locator('.before-after img[data-kind="after"]')).to_have_count(1)
    page.click('button[value="close"]')
    page.click("#confirm-yes")
    expect(page.locator("#case-status")).to_have_text("已结案")
    page.check('input[name="reached"][value="true"]')
    page.check('input[name="satisfied"][value="true"]')
    page.fill('input[name="reason"]', "群众表示满意")
    page.click('button[value="callback"]')
    expect(page.locator('.timeline li[data-action="callback"]')).to_contain_text("满意")
    desk.shoot("case-closed-and-called-back")
    assert desk.blocked == [] and [e for e in desk.console_errors if "favicon" not in e] == []


def upload_after_photo(base, token, code, path, point):
    """POST the after photo as the phone does (multipart, with where it was taken)."""
    boundary = uuid.uuid4().hex
    fields = {"kind": "after", "lon": str(point.x), "lat": str(point.y), "crs": "wgs84"}
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="after.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    with urlopen(Request(f"{base}/api/v1/incidents/{code}/photos/", data=body, headers=headers), timeout=30) as answer:
        assert answer.status in (200, 201)


@pytest.mark.django_db
def test_the_whole_loop_taken_on_the_pages_by_each_account(
    served_app,
    dispatching_city,
    screen,
    forget_reports,
    tmp_path,
    smtp,  # noqa: F811 - the fixture
):
    """Reported on the phone page, then grid → community → street → department (lead and
    co-handler), signed, contested and sent again, extended with approval, supervised, resolved,
    sent back once on the phone and verified there with the after photo, closed and called back:
    each step by the account whose part it is, on the case page or the phone page. Everyone each
    step concerns is told in the app and by e-mail, sent to a real SMTP server."""
    from incidents.models import IncidentEvent
    from notifications.delivery import deliver_due, message_id
    from notifications.models import Notification

    city = dispatching_city
    point = city.grid_of("grid_worker").geom.point_on_surface
    inbox, _port = smtp
    description = f"全流程测试 {uuid.uuid4().hex[:8]}"

    # 采集: on the grid worker's phone, where the problem is
    phone = screen(
        "phone", geolocation={"latitude": point.y, "longitude": point.x, "accuracy": 5}, permissions=["geolocation"]
    )
    phone.log_in(served_app, city.users["grid_worker"].username, "/m/")
    mobile = phone.page
    expect(mobile.locator("#where")).to_have_attribute("data-source", "gps")
    mobile.select_option("#category-class", "03")
    mobile.select_option("#category", "0301")
    mobile.fill("#description", description)
    mobile.click("#send")
    sent = mobile.locator("#outbox li[data-client-id]")
    forget_reports.append(sent.get_attribute("data-client-id"))
    expect(sent).to_have_attribute("data-state", "sent", timeout=30_000)
    code = Incident.objects.get(client_id=sent.get_attribute("data-client-id")).code

    desk = screen("desktop")
    page = desk.page

    def as_(name):
        page.context.clear_cookies()
        desk.log_in(served_app, city.users[name].username, f"/dispatch/{code}/")

    def press(action, reason="", confirm=False, **fields):
        if reason:
            page.fill('input[name="reason"]', reason)
        for selector, value in fields.items():
            page.fill(selector, value)
        page.click(f'button[value="{action}"]')
        if confirm:
            page.click("#confirm-yes")
        expect(page.locator(".message.success")).to_be_visible()

    as_("grid_worker")
    press("escalate", "需要社区协调")
    as_("community_dispatcher")
    press("escalate", "需要街道协调")
    as_("street_dispatcher")
    expect(page.locator("#dispatch-lead option:checked")).to_have_attribute("value", "t-cg-served")
    page.check('input[name="co_departments"][value="t-hb-served"]')  # suggested by the class's route
    press("dispatch")
    as_("hb_handler")
    press("sign")
    as_("cg_handler")
    press("sign")
    press("contest", "不属于本部门职责", confirm=True)
    as_("street_dispatcher")
    press("dispatch")
    as_("cg_handler")
    press("sign")
    press("extend", "需采购配件", **{"#extend-due": "2027-03-01T17:00"})
    as_("street_closer")
    press("approve_extension")
    as_("leader")
    press("supervise", "群众多次反映，请加快办理")
    as_("cg_handler")
    expect(page.locator("#case-supervised")).to_be_visible()
    press("resolve")

    # 核查 on the phone: sent back once, then verified with the after photo taken there
    def to_verify():
        mobile.reload()
        # the list as read from the server (the count beside the tab), not the copy kept on the phone
        # that it replaces: a tap on that one could land on a button just taken away
        expect(mobile.locator("#verify-count")).to_have_text("1", timeout=30_000)
        mobile.click("#tab-verify")  # which reads the list again: a tap may land as it is redrawn
        for _attempt in range(3):
            mobile.locator(f'#verify-list li[data-code="{code}"] button').click()
            try:
                expect(mobile.locator("#verify-form")).to_be_visible(timeout=5_000)
                break
            except AssertionError:
                continue
        expect(mobile.locator("#verify-form")).to_be_visible()

    to_verify()
    mobile.fill("#verify-reason", "现场仍有垃圾")
    mobile.click("#verify-rework")
    expect(mobile.locator("#verify-note")).to_contain_text(code)
    as_("cg_handler")
    press("resolve")
    photo = tmp_path / "after.png"
    Image.new("RGB", (24, 24), (10, 90, 200)).save(photo, "PNG")
    to_verify()
    mobile.set_input_files("#verify-photo", str(photo))
    mobile.click("#verify-confirm")
    expect(mobile.locator("#verify-note")).to_contain_text("已核查")

    as_("street_closer")
    expect(page.locator('.before-after img[data-kind="after"]')).to_have_count(1)
    press("close", confirm=True)
    as_("leader")
    page.check('input[name="reached"][value="true"]')
    page.check('input[name="satisfied"][value="true"]')
    press("callback", "满意")
    desk.shoot("the-whole-loop")
    for shown in (desk, phone):
        assert shown.blocked == [] and [e for e in shown.console_errors if "favicon" not in e] == []

    events = IncidentEvent.objects.filter(incident__code=code).order_by("id")
    assert [e.action for e in events] == [
        "report", "escalate", "escalate", "dispatch", "sign", "sign", "contest", "dispatch", "sign", "extend",
        "approve_extension", "supervise", "resolve", "rework", "resolve", "verify", "close", "callback",
    ]  # fmt: skip

    # told: each notification of the case in the app, then by e-mail through the SMTP server
    notes = Notification.objects.filter(source__in=[f"event:{e.pk}" for e in events]).select_related("user")
    told = {(n.user.username.split("_", 1)[1], n.kind.split(":")[1]) for n in notes}
    assert told == {
        ("community_dispatcher", "escalate"), ("street_dispatcher", "escalate"),
        ("street_closer", "escalate"),  # the street's dispatchers, both
        ("cg_handler", "dispatch"), ("hb_handler", "dispatch"),  # lead and co-handler
        *((d, a) for d in ("street_dispatcher", "street_closer") for a in ("sign", "contest", "verify")),
        ("street_closer", "extend"), ("street_dispatcher", "extend"),
        ("cg_handler", "approve_extension"), ("cg_handler", "supervise"), ("cg_handler", "rework"),
        ("grid_worker", "resolve"), ("grid_worker", "close"),
    }  # fmt: skip
    while deliver_due() != (0, 0):  # as the worker does, a batch at a time
        pass
    for note in notes:
        (delivery,) = note.deliveries.all()
        assert (delivery.channel, delivery.status) == ("email", "sent"), note.kind
        mail = [m for m in inbox.to(note.user.email) if m["Message-ID"] == message_id(delivery)]
        assert len(mail) == 1 and mail[0]["Subject"].startswith(f"案件 {code}："), note.kind
    worker = city.users["grid_worker"]
    of_the_case = [m["Subject"] for m in inbox.to(worker.email) if code in m["Subject"]]
    assert sorted(of_the_case) == [f"案件 {code}：{a}" for a in ("办结", "办结", "核查结案")], of_the_case
    page.context.clear_cookies()
    desk.log_in(served_app, city.users["cg_handler"].username, "/notifications/")
    expect(page.locator(f'li:has-text("案件 {code}：督办")')).to_have_count(1)
