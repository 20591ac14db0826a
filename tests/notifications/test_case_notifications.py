"""Everyone is told what concerns them: a case's actions queue notifications in their transaction,
shown in the list with an unread count and sent by e-mail to a real SMTP server by the worker's
deliveries, once per person and event."""

import pytest

from incidents.reminders import remind
from notifications.delivery import deliver_due
from notifications.models import Delivery, Notification, Preference
from tests.incidents.conftest import shanghai
from tests.incidents.test_departments import Loop

from .conftest import SMTP_BACKEND

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(staffed_city):
    loop = Loop(staffed_city)
    for name, user in staffed_city.users.items():
        user.email = f"{name}@example.test"
        user.save(update_fields=["email"])
    return loop


def told(loop, name):
    return list(Notification.objects.filter(user=loop.city.users[name]).order_by("id").values_list("kind", flat=True))


def test_each_step_of_the_loop_tells_those_it_concerns_in_app_and_by_e_mail(loop, smtp, clock):
    inbox, _port = smtp
    clock.at = shanghai(2026, 11, 30, 9, 30)
    code = loop.report()
    loop.to_street(code)
    assert told(loop, "street_dispatcher") == ["case:escalate"]  # the community's escalation
    loop.do("street_dispatcher", code, "dispatch", department="t-cg", co_departments=["t-hb"])
    assert told(loop, "cg_handler") == told(loop, "hb_handler") == ["case:dispatch"]
    assert told(loop, "sw_handler") == []
    loop.do("cg_handler", code, "sign")
    loop.do("leader", code, "supervise", reason="请加快办理")
    loop.do("cg_handler", code, "resolve")
    assert told(loop, "cg_handler") == ["case:dispatch", "case:supervise"]
    assert told(loop, "grid_worker")[-1] == "case:resolve"  # a verification to do on site
    loop.verify(code)
    loop.do("street_closer", code, "close")
    assert told(loop, "grid_worker")[-1] == "case:close"  # its reporter
    # whoever acted is not told of their own act
    assert "case:sign" not in told(loop, "cg_handler") and "case:close" not in told(loop, "street_closer")

    sent, failed = deliver_due(limit=500)
    assert failed == 0 and sent == Delivery.objects.count() > 0
    mail = inbox.to("cg_handler@example.test")
    assert [m["Subject"] for m in mail] == [f"案件 {code}：派遣", f"案件 {code}：督办"]
    assert f"/dispatch/{code}/" in mail[0].get_payload(decode=True).decode()
    assert len(set(inbox.message_ids())) == len(inbox.message_ids()) == sent
    assert deliver_due() == (0, 0)  # nothing is sent twice

    client = loop.city.client("cg_handler")
    page = client.get("/notifications/").content.decode()
    assert 'id="unread-count">2<' in page and f"案件 {code}：督办" in page
    answer = client.get("/api/v1/notifications/?unread=1").json()
    assert answer["unread"] == 2 and answer["results"][0]["kind"] == "case:supervise"
    client.post("/api/v1/notifications/read/", {"all": True}, content_type="application/json")
    assert client.get("/api/v1/notifications/").json()["unread"] == 0


def test_a_person_chooses_the_channels(loop, smtp):
    inbox, _port = smtp
    cg = loop.city.users["cg_handler"]
    Preference.objects.create(user=cg, email=False, sms=True)
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    channels = set(Delivery.objects.filter(notification__user=cg).values_list("channel", flat=True))
    assert channels == {"sms"}
    deliver_due()
    assert inbox.to("cg_handler@example.test") == []

    page = loop.city.client("cg_handler").post("/notifications/channels/", {"email": "on", "wechat": "on"})
    assert page.status_code == 200 and "OpenID" in page.content.decode()  # WeChat needs the OpenID
    Preference.objects.get(user=cg).refresh_from_db()
    assert Preference.objects.get(user=cg).sms is True  # nothing saved from the refused form


def test_a_failed_delivery_is_retried_later_and_recorded(loop, settings):
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP_BACKEND, "127.0.0.1", 9  # no one there
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    sent, failed = deliver_due()
    assert sent == 0 and failed > 0
    delivery = Delivery.objects.filter(channel="email").first()
    assert (delivery.status, delivery.attempts) == ("pending", 1) and delivery.last_error
    assert deliver_due() == (0, 0)  # it waits before the next attempt


def test_the_worker_warns_before_a_deadline_and_at_it_once_each(loop, clock):
    from datetime import timedelta

    from django.utils import timezone

    code = loop.report()
    loop.do("grid_worker", code, "accept")
    case = loop.city.grid_of("grid_worker").incidents.get(code=code)
    span = case.due_at - case.due_from
    assert remind(case.due_from + span * 0.5) == 0
    assert remind(case.due_from + span * 0.8) == 1  # the grid worker, at three quarters of the time
    assert remind(case.due_from + span * 0.9) == 0
    assert told(loop, "grid_worker") == ["case:due-soon"]
    assert remind(case.due_at + timedelta(minutes=1)) == 1
    assert told(loop, "grid_worker") == ["case:due-soon", "case:overdue"]
    assert remind(timezone.now() + timedelta(days=400)) == 0


def test_every_overdue_case_is_told_in_turn_however_many_are_due_at_once(loop, clock, monkeypatch):
    """A round tells a batch; the next round tells the next cases, not the first ones again. The
    source is the one every reminder has been recorded with (the due time as Python writes it)."""
    from datetime import timedelta

    from django.db.models import F

    from incidents import reminders

    monkeypatch.setattr(reminders, "BATCH", 2)
    grid = loop.city.grid_of("grid_worker")
    cases = []
    for _ in range(5):
        code = loop.report()
        loop.do("grid_worker", code, "accept")
        cases.append(grid.incidents.get(code=code))
    # a due time with a fraction of a second, written as Python writes it (".000123")
    grid.incidents.filter(pk=cases[0].pk).update(due_at=F("due_at") + timedelta(microseconds=123))
    cases[0].refresh_from_db()
    late = max(case.due_at for case in cases) + timedelta(minutes=1)
    assert [remind(late) for _ in range(4)] == [2, 2, 1, 0]  # the grid worker, for two cases a round
    overdue = set(Notification.objects.filter(kind="case:overdue").values_list("source", flat=True))
    assert overdue == {f"overdue:{case.pk}:{case.due_at.isoformat()}" for case in cases}
