"""The service request's pages without a browser: the resident's form and follow page, the staff's
queue and a request's page, each answering and refusing as the services do."""

import re
import uuid

import pytest
from django.test import Client

from residents.links import new_secret
from residents.models import PlaceCode
from volunteers import asking, services
from volunteers.models import ServiceRequest


@pytest.fixture
def code(cast):
    return PlaceCode.objects.create(token="sp" + cast.city.code, area=cast.grid)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_asks_on_the_form_and_lands_on_the_private_page(cast, code):
    phone = Client()
    form = phone.get(f"/r/{code.token}/service/")
    assert form.status_code == 200 and "跑腿代购" in form.content.decode()
    body = {"client_id": str(uuid.uuid4()), "secret": new_secret(), "kind": "errands", "for_whom": "elderly_alone",
            "description": "帮忙取药", "contact_phone": "13800003333", "wanted_from": ""}  # fmt: skip
    sent = phone.post(f"/r/{code.token}/service/", body)
    assert sent.status_code == 302 and sent["Location"] == f"/r/s/{body['secret']}/"
    again = phone.post(f"/r/{code.token}/service/", body)  # a second tap on a slow network
    assert again["Location"] == sent["Location"] and ServiceRequest.objects.count() == 1
    page = phone.get(sent["Location"]).content.decode()
    assert "待审核" in page and "帮忙取药" in page and 'id="cancel-form"' in page


def test_the_form_says_what_is_missing_and_keeps_what_was_written(cast, code):
    body = {"client_id": str(uuid.uuid4()), "secret": new_secret(), "kind": "errands", "for_whom": "self",
            "description": "帮忙取药", "contact_phone": ""}  # fmt: skip
    answer = Client().post(f"/r/{code.token}/service/", body)
    page = answer.content.decode()
    assert answer.status_code == 200 and "请留下电话号码" in page and "帮忙取药" in page
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("moment", ["2026-02-30T10:00", "tomorrow morning"])
def test_a_time_that_cannot_be_is_refused_on_the_form_naming_its_field(cast, code, moment):
    body = {"client_id": str(uuid.uuid4()), "secret": new_secret(), "kind": "errands", "for_whom": "self",
            "description": "帮忙取药", "contact_phone": "13800003333", "wanted_from": moment}  # fmt: skip
    answer = Client().post(f"/r/{code.token}/service/", body)
    page = answer.content.decode()
    assert answer.status_code == 200 and "请填写日期和时间" in page and "帮忙取药" in page
    assert not ServiceRequest.objects.exists()


def test_the_resident_rates_on_the_private_page(cast, code):
    secret = new_secret()
    made, _created, _secret = asking.receive(
        code.token, uuid.uuid4(),
        {"kind": "errands", "description": "买菜", "for_whom": "self", "contact_phone": "13800004444"},
        secret=secret,
    )  # fmt: skip
    services.accept(cast["sun"], made.tracking_code, made.version)
    services.claim(cast["li"], made.tracking_code)
    services.done(cast["li"], made.tracking_code, 40)
    phone = Client()
    rated = phone.post(f"/r/s/{secret}/", {"rating": "4", "comment": "谢谢"}, follow=True)
    assert 'id="rated"' in rated.content.decode() and "4 ★" in rated.content.decode()
    assert ServiceRequest.objects.get(pk=made.pk).rating == 4


def test_staff_review_from_the_queue(cast):
    made, _ = services.ask_for(cast["sun"], cast.community.code, uuid.uuid4(),
                               {"kind": "errands", "description": "买米", "for_whom": "elderly"},
                               grid_code=cast.grid.code)  # fmt: skip
    staff = logged_in(cast["sun"])
    queue = staff.get("/volunteers/requests/").content.decode()
    assert made.tracking_code in queue
    page = staff.get(f"/volunteers/requests/{made.tracking_code}/").content.decode()
    assert 'id="accept"' in page and 'id="refuse-form"' in page
    version = re.search(r'data-version="(\d+)"', page)[1]
    staff.post(f"/volunteers/requests/{made.tracking_code}/", {"action": "accept", "version": version})
    assert ServiceRequest.objects.get(pk=made.pk).status == "offered"
    stale = staff.post(f"/volunteers/requests/{made.tracking_code}/", {"action": "cancel", "version": version,
                                                                         "reason": "重复"}, follow=True)  # fmt: skip
    assert "已有变动" in stale.content.decode() and ServiceRequest.objects.get(pk=made.pk).status == "offered"


def test_an_outsider_gets_404_for_a_request_page(cast):
    made, _ = services.ask_for(cast["sun"], cast.community.code, uuid.uuid4(),
                               {"kind": "errands", "description": "买米", "for_whom": "elderly"})  # fmt: skip
    assert logged_in(cast["qian"]).get(f"/volunteers/requests/{made.tracking_code}/").status_code == 404
