"""API tokens end: after GOVGRID_TOKEN_TTL_HOURS, when rotated, when revoked, and when their owner
logs out of the browser; an ended token answers 401 in the caller's language, for the API and for
Open311's api_key alike. The people are the cast of a drawn city (tests/grids/cast.py)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.conftest import DEMO_PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
ROTATE_URL = "/api/v1/auth/token/rotate/"
REVOKE_URL = "/api/v1/auth/token/revoke/"
AREAS_URL = "/api/v1/areas/?level=street"


def token_of(username):
    response = Client().post(
        TOKEN_URL, {"username": username, "password": DEMO_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def areas_with(token, **headers):
    return Client().get(AREAS_URL, headers={"Authorization": f"Token {token}", **headers})


def age_token(key, hours):
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=hours))


def test_a_token_works_until_its_lifetime_has_passed(usernames):
    alice = token_of(usernames["grid_worker"])
    age_token(alice, settings.TOKEN_TTL_HOURS - 0.1)
    assert areas_with(alice).status_code == 200


def test_an_expired_token_answers_401_in_chinese(usernames):
    alice = token_of(usernames["grid_worker"])
    age_token(alice, settings.TOKEN_TTL_HOURS)
    response = areas_with(alice)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "令牌已过期，请重新登录以获取新令牌。"


def test_an_expired_token_answers_401_in_english_on_request(usernames):
    alice = token_of(usernames["grid_worker"])
    age_token(alice, settings.TOKEN_TTL_HOURS + 1)
    response = areas_with(alice, **{"Accept-Language": "en"})
    assert response.json()["detail"] == "The token has expired: log in again for a new one."


def test_an_expired_token_is_refused_as_open311_api_key_too(usernames):
    alice = token_of(usernames["grid_worker"])
    age_token(alice, settings.TOKEN_TTL_HOURS + 1)
    response = Client().get("/open311/v2/requests.json", {"api_key": alice})
    assert response.status_code in (401, 403)
    assert areas_with(alice).status_code == 401


def test_the_expiry_check_adds_no_query(usernames):
    alice = token_of(usernames["grid_worker"])
    Client().get(AREAS_URL, headers={"Authorization": f"Token {alice}"})  # prepares the statement
    with CaptureQueriesContext(connection) as fresh:
        assert areas_with(alice).status_code == 200
    age_token(alice, settings.TOKEN_TTL_HOURS + 1)
    with CaptureQueriesContext(connection) as expired:
        assert areas_with(alice).status_code == 401
    token_reads = [q for q in fresh.captured_queries if "token" in q["sql"]]
    assert len(token_reads) == 1  # the token's row, read anyway, carries its age
    assert len(expired) == 1


def test_logging_in_again_gives_the_same_working_token_so_phone_and_script_share_it(usernames):
    assert token_of(usernames["analyst"]) == token_of(usernames["analyst"])


def test_logging_in_after_expiry_gives_a_new_token_and_the_old_one_stays_dead(usernames):
    old = token_of(usernames["grid_worker"])
    age_token(old, settings.TOKEN_TTL_HOURS + 1)
    new = token_of(usernames["grid_worker"])
    assert new != old
    assert areas_with(new).status_code == 200
    assert areas_with(old).status_code == 401


def test_rotating_gives_a_new_token_and_ends_the_old_one(usernames):
    old = token_of(usernames["community_dispatcher"])
    response = Client().post(ROTATE_URL, headers={"Authorization": f"Token {old}"})
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert areas_with(old).status_code == 401
    assert areas_with(new).status_code == 200
    assert list(
        Token.objects.filter(user__username=usernames["community_dispatcher"]).values_list("key", flat=True)
    ) == [new]


def test_revoking_ends_the_token_and_logging_in_gives_a_new_one(usernames):
    old = token_of(usernames["leader"])
    response = Client().post(REVOKE_URL, headers={"Authorization": f"Token {old}"})
    assert response.status_code == 204
    assert areas_with(old).status_code == 401
    assert not Token.objects.filter(user__username=usernames["leader"]).exists()
    assert token_of(usernames["leader"]) != old


def test_rotating_or_revoking_without_a_login_is_refused(db):
    assert Client().post(ROTATE_URL).status_code == 401
    assert Client().post(REVOKE_URL).status_code == 401
    assert Client().post(REVOKE_URL, headers={"Authorization": "Token nothing-like-a-token"}).status_code == 401


def test_logging_out_of_the_browser_ends_the_users_token(usernames):
    bob = token_of(usernames["street_dispatcher"])
    browser = Client()
    browser.force_login(get_user_model().objects.get(username=usernames["street_dispatcher"]))
    assert browser.post("/accounts/logout/").status_code == 302
    assert areas_with(bob).status_code == 401
    assert not Token.objects.filter(user__username=usernames["street_dispatcher"]).exists()


def test_logging_out_does_not_end_another_users_token(usernames):
    carol = token_of(usernames["grid_worker_2"])
    browser = Client()
    browser.force_login(get_user_model().objects.get(username=usernames["street_dispatcher"]))
    browser.post("/accounts/logout/")
    assert areas_with(carol).status_code == 200


def test_a_new_password_ends_the_token_and_a_login_keeps_it(usernames):
    worker = get_user_model().objects.get(username=usernames["grid_worker"])
    Token.objects.get_or_create(user=worker)
    worker.last_login = None
    worker.save(update_fields=["last_login"])  # what a login writes
    assert Token.objects.filter(user=worker).exists()
    worker.set_password("a-new-password-for-a-lost-phone")
    worker.save()
    assert not Token.objects.filter(user=worker).exists()
