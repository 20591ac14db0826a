"""Residents report from a QR code with no account, follow by their private link, and staff accept
(立案), merge or decline: through the API, on a staffed drawn city."""

import io
import uuid

import pytest

from incidents.models import Incident, IncidentPhoto
from residents.models import PlaceCode, ReportPhoto, ResidentReport

from .conftest import Resident, photo

pytestmark = pytest.mark.django_db


def decide(city, name, code, decision, expect=200, **body):
    version = ResidentReport.objects.get(tracking_code=code).version
    answer = city.client(name).post(
        f"/api/v1/resident-reports/{code}/{decision}/", {"version": version, **body}, content_type="application/json"
    )
    assert answer.status_code == expect, answer.content.decode()
    return answer.json()


def test_a_resident_reports_from_a_grids_code_and_follows_it_by_the_private_link(city, resident):
    sent = resident.report(city.codes["grid"], photos=[photo()], contact_name="王女士", contact_phone="13912345678")
    report = ResidentReport.objects.get(tracking_code=sent["tracking_code"])
    assert (report.grid, report.located_by, report.status) == (city.grid_of("grid_worker"), "code", "pending")
    assert report.photos.count() == 1 and report.due_at > report.received_at
    assert sent["link"].startswith("/r/t/") and len(sent["link"]) > 25
    seen = resident.follow(sent["link"])
    assert (seen["tracking_code"], seen["status"], seen["case_status"]) == (sent["tracking_code"], "pending", None)
    assert seen["status_label"] == "待受理" and seen["topic"]


def test_a_retry_gets_the_same_report_and_link_and_other_content_under_its_id_is_refused(city, resident):
    client_id, secret = str(uuid.uuid4()), "s" * 22
    first = resident.report(city.codes["grid"], client_id=client_id, secret=secret)
    again = resident.report(city.codes["grid"], client_id=client_id, secret=secret, expect=200)
    assert again == first and first["link"] == f"/r/t/{secret}/" and ResidentReport.objects.count() == 1
    assert ResidentReport.objects.get().secret_digest != secret  # only its digest is kept
    without = resident.report(city.codes["grid"], client_id=client_id, secret="", expect=200)
    assert without["tracking_code"] == first["tracking_code"] and without["link"] is None
    wrong = resident.report(city.codes["grid"], client_id=client_id, secret="t" * 22, expect=400)
    assert wrong["field"] == "secret"
    refused = resident.report(city.codes["grid"], client_id=client_id, description="别的内容", expect=409)
    assert refused["field"] == "client_id"


def test_a_place_chosen_on_the_map_finds_its_grid_and_a_community_code_needs_one(city, resident):
    other = city.grids_of(city.communities[0])[1]
    point = other.geom.point_on_surface
    sent = resident.report(city.codes["community"], lon=point.x, lat=point.y, located_by="map")
    assert ResidentReport.objects.get(tracking_code=sent["tracking_code"]).grid == other
    refused = resident.report(city.codes["community"], expect=400)
    assert refused["field"] == "location" and "地图" in refused["detail"]


def test_bad_input_gets_a_4xx_naming_the_field_and_leaves_nothing(city, resident):
    grid = city.codes["grid"]
    for fields, field in (
        ({"topic": "weather"}, "topic"),
        ({"description": ""}, "description"),
        ({"lon": 113.0}, "lat"),
        ({"lon": 10.0, "lat": 10.0, "located_by": "map"}, "location"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"contact_phone": "call me"}, "contact_phone"),
    ):
        refused = resident.report(grid, expect=422 if field == "location" else 400, **fields)
        assert refused["field"] == field, (fields, refused)
    not_a_picture = io.BytesIO(b"hello")
    not_a_picture.name = "a.jpg"
    refused = resident.report(grid, photos=[photo(), not_a_picture], expect=400)
    assert refused["field"] == "photos" and "a.jpg" in refused["detail"]
    assert ResidentReport.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_a_replaced_code_says_so_and_takes_nothing(city, resident):
    from django.utils import timezone

    old = city.codes["grid"]
    old.retired_at = timezone.now()
    old.save()
    PlaceCode.objects.create(token="new" + city.code, area=old.area)
    refused = resident.report(old, expect=410)
    assert refused["field"] == "place" and "新" in refused["detail"]
    assert "新" in resident.client.get(f"/r/{old.token}/").content.decode()
    assert resident.client.get("/r/nosuchcode/").status_code == 404
    assert ResidentReport.objects.count() == 0


def test_a_guessed_link_or_tracking_code_gets_nothing(city, resident):
    sent = resident.report(city.codes["grid"])
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    assert resident.client.get(f"/api/v1/resident/reports/{secret[:-1]}x/").status_code == 404
    assert resident.client.get(f"/api/v1/resident/reports/{sent['tracking_code']}/").status_code == 404
    assert resident.client.get(f"/r/t/{sent['tracking_code']}/").status_code == 404
    assert resident.client.get("/api/v1/resident-reports/").status_code in (401, 403)  # the staff's queue


def test_a_thousand_reports_from_one_address_in_a_minute_are_throttled_but_not_another_address(
    city, resident, settings
):
    settings.RESIDENT_REPORTS_PER_DEVICE = 10_000  # each request a new device: only the address counts
    # One window for the whole flood, however slow the machine: the windows are fixed, and a
    # thousand requests begun near the end of one would be counted in two.
    settings.RESIDENT_WINDOW_MINUTES = 365 * 24 * 60
    flood = Resident("198.51.100.9").client
    statuses = []
    for n in range(1000):
        flood.cookies["gg_device"] = f"device-{n}"
        body = {
            "place": city.codes["grid"].token,
            "client_id": str(uuid.uuid4()),
            "topic": "rubbish",
            "description": f"刷单{n}",
        }
        answer = flood.post("/api/v1/resident/reports/", body)
        statuses.append(answer.status_code)
    assert statuses.count(201) == settings.RESIDENT_REPORTS_PER_ADDRESS
    assert statuses.count(429) == 1000 - settings.RESIDENT_REPORTS_PER_ADDRESS
    assert answer["Retry-After"] and answer.json()["code"] == "throttled"
    resident.report(city.codes["grid"])  # another address still gets through
    assert ResidentReport.objects.count() == settings.RESIDENT_REPORTS_PER_ADDRESS + 1


def test_one_device_is_throttled_before_its_address(city, resident, settings):
    for _ in range(settings.RESIDENT_REPORTS_PER_DEVICE):
        resident.report(city.codes["grid"])
    assert resident.report(city.codes["grid"], expect=429)["code"] == "throttled"
    Resident(address="203.0.113.7").report(city.codes["grid"])  # another phone behind the same address


def test_the_grid_worker_accepts_a_report_as_a_case_with_its_photos_and_contact(city, resident):
    sent = resident.report(city.codes["grid"], photos=[photo()], contact_phone="13912345678")
    from notifications.models import Notification

    told = set(Notification.objects.filter(kind="resident:new").values_list("user__username", flat=True))
    assert told == {city.users[n].username for n in ("grid_worker", "community_dispatcher")}
    page = city.client("grid_worker").get("/notifications/").content.decode()
    assert f"居民上报 {sent['tracking_code']} 待受理" in page
    queue = city.client("grid_worker").get("/api/v1/resident-reports/").json()
    assert [row["tracking_code"] for row in queue] == [sent["tracking_code"]]
    assert queue[0]["contact_phone"] == "13912345678" and queue[0]["suggested_category"] == "0301"
    assert city.client("grid_worker_2").get("/api/v1/resident-reports/").json() == []
    decide(city, "grid_worker_2", sent["tracking_code"], "accept", expect=404)

    decided = decide(city, "grid_worker", sent["tracking_code"], "accept", category="0303")
    case = Incident.objects.get(code=decided["incident"])
    assert (case.channel, case.category.code, case.contact_phone) == ("resident", "0303", "13912345678")
    assert IncidentPhoto.objects.filter(incident=case).count() == 1
    decide(city, "community_dispatcher", sent["tracking_code"], "decline", reason="重复", expect=409)
    seen = resident.follow(sent["link"])
    assert (seen["status"], seen["case_status"]) == ("accepted", "reported")


def test_a_report_merged_into_an_open_case_follows_it(city, resident):
    from tests.incidents.conftest import new_incident

    open_case = new_incident("垃圾堆积", city=city)
    sent = resident.report(city.codes["grid"])
    decide(city, "community_dispatcher", sent["tracking_code"], "merge", incident="nosuch", expect=404)
    decided = decide(city, "community_dispatcher", sent["tracking_code"], "merge", incident=open_case)
    assert decided["incident"] == open_case
    assert resident.follow(sent["link"])["status"] == "merged"


def test_a_declined_report_tells_the_resident_why(city, resident):
    sent = resident.report(city.codes["grid"])
    refused = decide(city, "grid_worker", sent["tracking_code"], "decline", expect=400)
    assert refused["field"] == "reason"
    decide(city, "grid_worker", sent["tracking_code"], "decline", reason="不属于本网格事项，请拨打12345")
    seen = resident.follow(sent["link"])
    assert seen["status"] == "declined" and seen["decline_reason"] == "不属于本网格事项，请拨打12345"


def test_two_people_deciding_at_once_one_wins(city, resident):
    sent = resident.report(city.codes["grid"])
    version = ResidentReport.objects.get(tracking_code=sent["tracking_code"]).version
    first = city.client("grid_worker").post(
        f"/api/v1/resident-reports/{sent['tracking_code']}/accept/",
        {"version": version},
        content_type="application/json",
    )
    second = city.client("community_dispatcher").post(
        f"/api/v1/resident-reports/{sent['tracking_code']}/decline/",
        {"version": version, "reason": "重复"},
        content_type="application/json",
    )
    assert (first.status_code, second.status_code) == (200, 409)


def test_the_private_link_shows_no_staff_names_and_no_contacts(city, resident):
    sent = resident.report(city.codes["grid"], contact_name="王女士", contact_phone="13912345678")
    case = decide(city, "grid_worker", sent["tracking_code"], "accept")["incident"]
    version = Incident.objects.get(code=case).version
    city.client("grid_worker").post(
        f"/api/v1/incidents/{case}/escalate/",
        {"version": version, "reason": "需要社区协调"},
        content_type="application/json",
    )
    seen = resident.follow(sent["link"])
    text = str(seen) + resident.client.get(sent["link"]).content.decode()
    assert len(seen["timeline"]) >= 3
    for person in city.people:
        assert person.name not in text and person.phone not in text
    for user in city.users.values():
        assert user.username not in text
    assert "13912345678" not in text and "王女士" not in text


def resolved_case(city, resident):
    """A resident's report accepted by the grid worker and resolved by the community's dispatcher."""
    sent = resident.report(city.codes["grid"])
    case = decide(city, "grid_worker", sent["tracking_code"], "accept")["incident"]
    for name, action in (("grid_worker", "accept"), ("community_dispatcher", "resolve")):
        version = Incident.objects.get(code=case).version
        answer = city.client(name).post(
            f"/api/v1/incidents/{case}/{action}/", {"version": version}, content_type="application/json"
        )
        assert answer.status_code == 200, answer.content.decode()
    return sent, case


def test_the_resident_rates_the_result_once_per_resolution_and_the_acceptor_cannot(city, resident):
    sent, case = resolved_case(city, resident)
    version = Incident.objects.get(code=case).version
    refused = city.client("grid_worker").post(
        f"/api/v1/incidents/{case}/rate/", {"version": version, "rating": 5}, content_type="application/json"
    )
    assert refused.status_code == 403  # who accepted it is not the one to rate it
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    assert resident.follow(sent["link"])["may_rate"] is True
    bad = resident.client.post(f"/api/v1/resident/reports/{secret}/rate/", {"rating": 9})
    assert bad.status_code == 400 and bad.json()["field"] == "rating"
    rated = resident.client.post(f"/api/v1/resident/reports/{secret}/rate/", {"rating": 2, "comment": "没弄干净"})
    assert rated.status_code == 200 and rated.json()["rating"] == 2 and rated.json()["may_rate"] is False
    case_now = Incident.objects.get(code=case)
    assert (case_now.rating, case_now.awaits_rating_decision) == (2, True)
    event = case_now.events.get(action="rate")
    assert event.actor_id is None
    again = resident.client.post(f"/api/v1/resident/reports/{secret}/rate/", {"rating": 5})
    assert again.status_code == 409
    from notifications.models import Notification

    told = set(Notification.objects.filter(kind="case:rate").values_list("user__username", flat=True))
    assert told == {city.users["community_dispatcher"].username}  # the dispatcher decides on rework
    page = city.client("community_dispatcher").get(f"/dispatch/{case}/").content.decode()
    assert "居民" in page


def test_a_residents_rating_moves_the_satisfaction_figure(city, resident):
    sent, case = resolved_case(city, resident)
    client = city.client("leader")

    def satisfied():
        from datetime import timedelta

        from django.utils import timezone

        now = timezone.now()
        query = {"within": city.district.code, "level": "district", "since": (now - timedelta(days=1)).isoformat()}
        (row,) = client.get("/api/v1/figures/", query | {"until": (now + timedelta(days=1)).isoformat()}).json()
        return row["rated"], row["shares"]["satisfied"]

    assert satisfied()[0] == 0
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    resident.client.post(f"/api/v1/resident/reports/{secret}/rate/", {"rating": 5})
    assert satisfied() == (1, 1.0)


def test_the_workers_sweep_forgets_the_throttles_old_windows(city, resident):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.management.commands.run_worker import Command
    from residents.models import Hit

    resident.report(city.codes["grid"])
    Hit.objects.create(key="address:198.51.100.1", window=timezone.now() - timedelta(hours=5), count=3)
    Command(stdout=io.StringIO()).sweep()  # what the worker does every minute
    kept = set(Hit.objects.values_list("key", flat=True))
    assert "address:198.51.100.1" not in kept and "report-address:203.0.113.7" in kept


def test_the_figures_count_residents_reports_how_they_were_decided_and_in_time(city, resident, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.RESIDENT_REPORTS_PER_DEVICE = 100
    sent = [resident.report(city.codes["grid"], description=f"第{n}件") for n in range(4)]
    decide(city, "grid_worker", sent[0]["tracking_code"], "accept")
    decide(city, "grid_worker", sent[1]["tracking_code"], "decline", reason="不属于居民事项")
    late = ResidentReport.objects.get(tracking_code=sent[2]["tracking_code"])
    late.due_at = timezone.now() - timedelta(minutes=1)  # left past its deadline
    late.save()
    now = timezone.now()
    query = {"within": city.district.code, "level": "district"}
    query |= {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(days=1)).isoformat()}
    (row,) = city.client("leader").get("/api/v1/figures/residents/", query).json()
    assert (row["received"], row["accepted"], row["declined"], row["pending"]) == (4, 1, 1, 2)
    assert (row["decided_in_time"], row["decided_late"], row["shares"]["accepted_in_time"]) == (2, 1, 0.6667)
    dashboard = city.client("leader").get("/").content.decode()  # the same figure on the dashboard, in %
    assert 'id="accepted-in-time">66.7<' in dashboard
    assert city.client("grid_worker_2").get("/api/v1/figures/residents/", query).status_code == 404


def test_the_actions_residents_take_are_those_their_events_name():
    from incidents.actions import ACTIONS, RESIDENT
    from incidents.events import BY_RESIDENTS

    assert {name for name, spec in ACTIONS.items() if RESIDENT in spec.who} == set(BY_RESIDENTS)


def test_the_resident_adds_to_a_waiting_report_and_then_to_its_case(city, resident):
    sent = resident.report(city.codes["grid"])
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    url = f"/api/v1/resident/reports/{secret}/notes/"
    refused = resident.client.post(url, {"text": ""})
    assert refused.status_code == 400 and refused.json()["field"] == "text"
    added = resident.client.post(url, {"text": "晚上八点后最多", "photos": [photo(rgb=(1, 2, 3))]})
    assert added.status_code == 200 and added.json()["may_add"] is True
    report = ResidentReport.objects.get(tracking_code=sent["tracking_code"])
    assert report.photos.count() == 1 and [n.text for n in report.notes.all()] == ["晚上八点后最多"]
    row = city.client("grid_worker").get("/api/v1/resident-reports/").json()[0]
    assert row["notes"] == ["晚上八点后最多"]

    case = decide(city, "grid_worker", sent["tracking_code"], "accept")["incident"]
    assert "晚上八点后最多" in Incident.objects.get(code=case).description
    version = Incident.objects.get(code=case).version
    answer = resident.client.post(url, {"text": "又堆起来了", "photos": [photo(rgb=(9, 9, 9))]})
    assert answer.status_code == 200
    incident = Incident.objects.get(code=case)
    assert incident.version == version + 1 and incident.photos.count() == 2
    event = incident.events.order_by("-id")[0]
    assert (event.action, event.actor_id, event.note) == ("add_note", None, "又堆起来了")
    from notifications.models import Notification

    assert Notification.objects.filter(kind="case:add_note", user=city.users["grid_worker"]).exists()
    assert "您补充了：又堆起来了" in str(resident.follow(sent["link"])["timeline"])


def test_nothing_can_be_added_to_a_declined_report(city, resident):
    sent = resident.report(city.codes["grid"])
    decide(city, "grid_worker", sent["tracking_code"], "decline", reason="重复上报")
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    refused = resident.client.post(f"/api/v1/resident/reports/{secret}/notes/", {"text": "还有"})
    assert (
        refused.status_code == 409
        and not ResidentReport.objects.get(tracking_code=sent["tracking_code"]).notes.exists()
    )


def test_a_resident_who_left_a_phone_is_texted_when_the_setting_is_on(city, resident, settings, tmp_path):
    import json

    from notifications.delivery import deliver_due

    settings.NOTIFY_SPOOL_DIR = str(tmp_path)  # the SMS backend by default: a spool a gateway reads
    quiet = resident.report(city.codes["grid"], contact_phone="13911110000")
    decide(city, "grid_worker", quiet["tracking_code"], "decline", reason="重复")
    settings.RESIDENT_SMS = True
    sent = resident.report(city.codes["grid"], contact_phone="13912345678")
    case = decide(city, "grid_worker", sent["tracking_code"], "accept")["incident"]
    joined = Resident(address="203.0.113.20").report(city.codes["grid"], contact_phone="13900002222")
    decide(city, "grid_worker", joined["tracking_code"], "merge", incident=case)
    for name, action in (("grid_worker", "accept"), ("community_dispatcher", "resolve")):
        version = Incident.objects.get(code=case).version
        body = {"version": version}
        city.client(name).post(f"/api/v1/incidents/{case}/{action}/", body, content_type="application/json")
    anonymous = resident.report(city.codes["grid"])  # no phone: nobody to text
    decide(city, "grid_worker", anonymous["tracking_code"], "decline", reason="重复")
    while deliver_due() != (0, 0):
        pass
    texts = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    # accepted; joined (merged); solved, to rate it: only the resident whose report became the case
    assert [t["to"] for t in texts] == ["13912345678", "13900002222", "13912345678"]
    assert "已立案" in texts[0]["body"] and "并入" in texts[1]["body"] and "评价" in texts[2]["body"]
    assert sent["tracking_code"] in texts[2]["title"]


def test_a_resident_following_a_merged_report_never_reads_what_another_resident_added(city, resident):
    first = resident.report(city.codes["grid"], description="垃圾堆积")
    case = decide(city, "grid_worker", first["tracking_code"], "accept")["incident"]
    other = Resident(address="203.0.113.8")
    second = other.report(city.codes["grid"], description="同一处垃圾")
    decide(city, "grid_worker", second["tracking_code"], "merge", incident=case)
    secret = first["link"].rstrip("/").rsplit("/", 1)[1]
    resident.client.post(f"/api/v1/resident/reports/{secret}/notes/", {"text": "我家住三号楼二单元"})
    seen = str(other.follow(second["link"])["timeline"])
    assert "三号楼" not in seen and "另一位居民补充了情况" in seen
    assert "我家住三号楼二单元" in str(resident.follow(first["link"])["timeline"])


def test_a_sending_from_another_sites_page_is_refused(city, resident):
    refused = resident.client.post(
        "/api/v1/resident/reports/",
        {"place": city.codes["grid"].token, "client_id": str(uuid.uuid4()), "topic": "rubbish", "description": "x"},
        HTTP_ORIGIN="https://elsewhere.example",
    )
    assert refused.status_code == 403 and refused.json()["field"] == "origin"
    refused = resident.report(city.codes["grid"], expect=403, HTTP_SEC_FETCH_SITE="cross-site")
    assert ResidentReport.objects.count() == 0
    resident.report(city.codes["grid"], HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin")


def test_an_ipv6_subscriber_is_one_address_and_refusals_are_not_counted(city, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    settings.RESIDENT_REPORTS_PER_ADDRESS, settings.RESIDENT_REPORTS_PER_DEVICE = 3, 2
    phones = [Resident(address=f"2001:db8:1:2::{n}") for n in range(1, 4)]  # one /64
    phones[0].report(city.codes["grid"])
    phones[0].report(city.codes["grid"])
    for _ in range(5):  # over its device's limit: refused, and none of it counts against the address
        phones[0].report(city.codes["grid"], expect=429)
    phones[1].report(city.codes["grid"])
    assert phones[2].report(city.codes["grid"], expect=429)["code"] == "throttled"  # the /64's third
    Resident(address="2001:db8:1:3::1").report(city.codes["grid"])  # another subscriber


def test_a_grid_takes_no_more_reports_while_too_many_wait(city, resident, settings):
    settings.RESIDENT_PENDING_PER_GRID = 2
    resident.report(city.codes["grid"])
    Resident(address="203.0.113.9").report(city.codes["grid"])
    refused = Resident(address="203.0.113.10").report(city.codes["grid"], expect=429)
    assert refused["field"] == "place"


def test_a_note_changes_the_waiting_report_so_a_decision_on_what_was_read_is_refused(city, resident, settings):
    settings.PHOTO_MAX_COUNT = 2
    sent = resident.report(city.codes["grid"], photos=[photo(rgb=(1, 1, 1))])
    version = ResidentReport.objects.get(tracking_code=sent["tracking_code"]).version
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    url = f"/api/v1/resident/reports/{secret}/notes/"
    assert resident.client.post(url, {"text": "补充", "photos": [photo(rgb=(2, 2, 2))]}).status_code == 200
    full = resident.client.post(url, {"photos": [photo(rgb=(3, 3, 3))]})
    assert full.status_code == 400 and full.json()["field"] == "photos"  # room only for what a case holds
    body = {"version": version, "reason": "重复"}
    stale = city.client("grid_worker").post(
        f"/api/v1/resident-reports/{sent['tracking_code']}/decline/", body, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    decide(city, "grid_worker", sent["tracking_code"], "accept")  # read again: accepted, with both photos
    assert Incident.objects.get(resident_reports__tracking_code=sent["tracking_code"]).photos.count() == 2


def test_those_who_may_accept_are_reminded_once_of_a_report_past_its_deadline(city, resident):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Notification
    from residents.telling import remind_overdue

    sent = resident.report(city.codes["grid"])
    ResidentReport.objects.filter(tracking_code=sent["tracking_code"]).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    assert remind_overdue() == 1 and remind_overdue() == 0
    told = set(Notification.objects.filter(kind="resident:overdue").values_list("user__username", flat=True))
    assert told == {city.users[n].username for n in ("grid_worker", "community_dispatcher")}


def test_accepting_may_place_the_case_in_another_grid_of_ones_own(city, resident):
    sent = resident.report(city.codes["grid"])
    other = city.grids_of(city.communities[0])[1]
    refused = decide(city, "grid_worker", sent["tracking_code"], "accept", grid=other.code, expect=400)
    assert refused["field"] == "grid"  # not the grid worker's
    case = decide(city, "community_dispatcher", sent["tracking_code"], "accept", grid=other.code)["incident"]
    incident = Incident.objects.get(code=case)
    assert incident.grid == other and other.geom.covers(incident.location)
    assert ResidentReport.objects.get(tracking_code=sent["tracking_code"]).grid == city.grid_of("grid_worker")


def test_the_case_page_names_its_residents_reports_for_the_call_back(city, resident):
    sent = resident.report(city.codes["grid"], contact_phone="13912345678")
    case = decide(city, "grid_worker", sent["tracking_code"], "accept")["incident"]
    joined = Resident(address="203.0.113.30").report(city.codes["grid"], contact_phone="13700001111")
    decide(city, "grid_worker", joined["tracking_code"], "merge", incident=case)
    page = city.client("community_dispatcher").get(f"/dispatch/{case}/").content.decode()
    assert sent["tracking_code"] in page and joined["tracking_code"] in page and "13700001111" in page
    read_only = city.client("analyst").get(f"/dispatch/{case}/").content.decode()
    assert joined["tracking_code"] in read_only and "13700001111" not in read_only
