"""Two dispatchers acting on one item at once, through real concurrent connections to gunicorn:
both read the same version, one succeeds, the other gets 409, and one step is written."""

import threading

import pytest
from rest_framework.authtoken.models import Token

from consultations.models import StageStep
from tests.conftest import post_json
from tests.incidents.browsing import token_of

from .conftest import deliberated_item

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def item(served_consultation_city, django_db_blocker):
    """An item of its own, committed (outside the test's transaction) so that the server sees it."""
    with django_db_blocker.unblock():
        return deliberated_item(served_consultation_city)


def test_two_dispatchers_moving_one_item_on_at_once_one_succeeds_the_other_gets_409(
    served_app, served_consultation_city, item, django_db_blocker
):
    city = served_consultation_city
    names = ("community_dispatcher", "street_dispatcher")
    try:
        tokens = {name: token_of(served_app, city.users[name].username) for name in names}
        answers, start = [], threading.Barrier(2)

        def advance(name):
            start.wait()
            path = f"/api/v1/consultations/{item.pk}/advance/"
            answers.append(post_json(served_app, path, {"version": item.version, "note": name}, tokens[name]))

        threads = [threading.Thread(target=advance, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(status for status, _ in answers) == [200, 409]
        refused = next(answer for status, answer in answers if status == 409)
        assert refused["code"] == "stale" and refused["field"] == "version"
        with django_db_blocker.unblock():
            assert StageStep.objects.filter(item=item, action="advance", from_stage=2).count() == 1
    finally:
        with django_db_blocker.unblock():
            Token.objects.filter(user__in=[city.users[name] for name in names]).delete()
