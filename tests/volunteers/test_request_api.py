"""The service requests through the API: a resident asks from a QR code with no account and follows
it by the private link, staff review, a member claims on the phone, records it done, the resident
confirms and rates; with the cast of tests/volunteers/conftest.py."""

import uuid

import pytest
from django.test import Client

from residents.links import new_secret
from residents.models import PlaceCode
from volunteers.models import LedgerEntry, ServiceRequest


@pytest.fixture
def code(cast):
    return PlaceCode.objects.create(token="sv" + cast.city.code, area=cast.grid)


@pytest.fixture
def resident(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    client = Client(HTTP_X_REAL_IP="203.0.113.9", REMOTE_ADDR="203.0.113.9")
    client.cookies["gg_device"] = uuid.uuid4().hex
    return client


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def ask(resident, code, expect=201, **fields):
    body = {"place_code": code.token, "client_id": str(uuid.uuid4()), "secret": new_secret(), "kind": "errands",
            "description": "腿脚不便，想请人帮忙买菜", "for_whom": "elderly_alone", "contact_name": "刘大爷",
            "contact_phone": "13800002222"} | fields  # fmt: skip
    answer = resident.post("/api/v1/resident/services/", body, content_type="application/json")
    assert answer.status_code == expect, answer.content.decode()
    return answer.json()


def act(user, code, action, expect=200, **body):
    answer = logged_in(user).post(f"/api/v1/service-requests/{code}/{action}/", body, content_type="application/json")
    assert answer.status_code == expect, answer.content.decode()
    return answer.json()


def version_of(code):
    return ServiceRequest.objects.get(tracking_code=code).version


def test_the_loop_from_the_resident_page_to_the_ledger(cast, code, resident):
    asked = ask(resident, code)
    secret = asked["link"].rstrip("/").rsplit("/", 1)[1]
    tracking = asked["tracking_code"]
    assert resident.get(f"/api/v1/resident/services/{secret}/").json()["status_label"] == "待审核"

    queue = logged_in(cast["sun"]).get("/api/v1/service-requests/", {"status": "asked"}).json()
    assert [row["tracking_code"] for row in queue] == [tracking]
    assert queue[0]["contact"] == {"name": "刘大爷", "phone": "13800002222", "shown": True}
    assert queue[0]["actions"] == ["accept", "refuse", "make-case", "cancel"]

    accepted = act(cast["sun"], tracking, "accept", version=version_of(tracking))
    assert (accepted["status"], accepted["tier"]) == ("offered", "linked")
    offered = logged_in(cast["li"]).get("/api/v1/service-requests/", {"mine": "offered"}).json()
    assert [row["tracking_code"] for row in offered] == [tracking]
    assert offered[0]["actions"] == ["claim"] and offered[0]["contact"]["shown"] is False
    assert offered[0]["contact"]["phone"] != "13800002222"

    claimed = act(cast["li"], tracking, "claim")
    assert claimed["contact"]["phone"] == "13800002222" and claimed["actions"] == ["done", "give-back"]
    act(cast["zhang"], tracking, "claim", expect=409)
    act(cast["li"], tracking, "done", minutes=45, note="买了一周的菜")

    seen = resident.get(f"/api/v1/resident/services/{secret}/").json()
    assert (seen["status"], seen["volunteer"], seen["may_rate"]) == ("done", "李*", True)
    rated = resident.post(
        f"/api/v1/resident/services/{secret}/confirm/", {"rating": 5}, content_type="application/json"
    )
    assert rated.status_code == 200 and rated.json()["status"] == "confirmed"
    assert LedgerEntry.objects.filter(person=cast.person["li"]).count() == 2


def test_a_resident_request_needs_a_phone_and_a_kind_of_the_list(cast, code, resident):
    assert ask(resident, code, expect=400, contact_phone="")["field"] == "contact_phone"
    assert ask(resident, code, expect=400, kind="massage")["field"] == "kind"
    assert not ServiceRequest.objects.exists()


def test_a_resident_retry_gets_the_same_request_and_other_content_is_refused(cast, code, resident):
    client_id, secret = str(uuid.uuid4()), new_secret()
    first = ask(resident, code, client_id=client_id, secret=secret)
    again = ask(resident, code, expect=200, client_id=client_id, secret=secret)
    assert again == first and ServiceRequest.objects.count() == 1
    assert (
        ask(resident, code, expect=409, client_id=client_id, secret=secret, description="别的事")["field"]
        == "client_id"
    )


def test_a_stale_version_answers_409_and_an_outsider_404(cast, code, resident):
    tracking = ask(resident, code)["tracking_code"]
    stale = act(cast["sun"], tracking, "accept", expect=409, version=version_of(tracking) + 1)
    assert stale["code"] == "stale"
    act(cast["qian"], tracking, "accept", expect=404, version=version_of(tracking))
    assert logged_in(cast["qian"]).get(f"/api/v1/service-requests/{tracking}/").status_code == 404


def test_staff_ask_for_a_resident_at_the_door(cast):
    body = {"community": cast.community.code, "grid": cast.grid.code, "client_id": str(uuid.uuid4()),
            "kind": "repairs", "description": "水龙头漏水", "for_whom": "elderly"}  # fmt: skip
    made = logged_in(cast["sun"]).post("/api/v1/service-requests/", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["channel"] == "staff"
    again = logged_in(cast["sun"]).post("/api/v1/service-requests/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["tracking_code"] == made.json()["tracking_code"]


def test_the_kinds_a_community_offers_are_public(cast, settings):
    settings.VOLUNTEER_SERVICE_KINDS_BY_COMMUNITY = {cast.community.code: ["errands", "repairs"]}
    answer = Client().get("/api/v1/service-kinds/", {"community": cast.community.code}).json()
    assert [kind["key"] for kind in answer["kinds"]] == ["errands", "repairs"]
    assert answer["kinds"][0]["label"] == "跑腿代购"
    assert Client().get("/api/v1/service-kinds/", {"community": cast.grid.code}).status_code == 404


def test_a_photo_of_the_service_done_is_kept_once_without_its_metadata_and_shown_to_its_readers(cast, code, resident):
    import io

    from PIL import Image

    from volunteers.models import RequestPhoto

    tracking = ask(resident, code)["tracking_code"]
    act(cast["sun"], tracking, "accept", version=version_of(tracking))
    act(cast["li"], tracking, "claim")
    picture = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # a camera's maker, metadata the server must drop
    Image.new("RGB", (32, 24), (90, 140, 60)).save(picture, "JPEG", exif=exif)
    picture.name = "done.jpg"
    for _attempt in range(2):  # the phone sends it again after a lost answer
        picture.seek(0)
        sent = logged_in(cast["li"]).post(f"/api/v1/service-requests/{tracking}/done/",
                                          {"minutes": "30", "note": "修好了", "photo": [picture]})  # fmt: skip
        assert sent.status_code == 200, sent.content.decode()
    kept = RequestPhoto.objects.get(request__tracking_code=tracking)
    assert b"PhoneMaker" not in kept.file.read()
    url = sent.json()["photos"][0]
    assert logged_in(cast["sun"]).get(url).status_code == 200
    assert logged_in(cast["qian"]).get(url).status_code == 404
