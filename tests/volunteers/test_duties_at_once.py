"""A phone that sends a visit or a finding twice at once (a retry racing its first copy), through real
concurrent connections to gunicorn: one record, one case, and both answers name it."""

import threading
import uuid

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from grids.models import HouseholdLink, Visit
from incidents.models import Incident
from tests.conftest import DEMO_PASSWORD, committed_city, post_json
from tests.incidents.browsing import token_of
from volunteers.models import VisitFinding

from .conftest import add_cast

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def served_cast(django_db_blocker):
    """The volunteers' cast in a committed city of its own; 李明 logs in with the tests' password."""
    made = {}

    def add_people(city):
        made["cast"] = add_cast(city)
        made["cast"]["li"].set_password(DEMO_PASSWORD)
        made["cast"]["li"].save()

    with committed_city(django_db_blocker, add_people, code="990019", origin=(113.9, 32.9)) as city:
        try:
            yield made["cast"]
        finally:
            with django_db_blocker.unblock():
                Token.objects.filter(user__username__startswith=f"{city.code}_").delete()


def at_once(base, path, body, token):
    answers, start = [], threading.Barrier(2)

    def send():
        start.wait()
        answers.append(post_json(base, path, body, token))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_a_visit_and_its_finding_sent_twice_at_once_are_recorded_once(served_app, served_cast, django_db_blocker):
    token = token_of(served_app, served_cast["li"].username)
    with django_db_blocker.unblock():
        link = HouseholdLink.objects.get(person=served_cast.person["li"])
    body = {
        "client_id": str(uuid.uuid4()),
        "link": link.pk,
        "visited_on": str(timezone.localdate()),
        "households_reached": 5,
    }
    answers = at_once(served_app, "/api/v1/visits/", body, token)
    assert sorted(status for status, _ in answers) == [200, 201], answers
    assert answers[0][1]["id"] == answers[1][1]["id"]
    finding = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "井盖松动"}
    answers = at_once(served_app, f"/api/v1/visits/{answers[0][1]['id']}/findings/", finding, token)
    assert sorted(status for status, _ in answers) == [200, 201], answers
    assert answers[0][1]["case"]["code"] == answers[1][1]["case"]["code"]
    with django_db_blocker.unblock():
        assert Visit.objects.filter(client_id=body["client_id"]).count() == 1
        assert VisitFinding.objects.filter(client_id=finding["client_id"]).count() == 1
        assert Incident.objects.filter(reporter=served_cast["li"]).count() == 1
