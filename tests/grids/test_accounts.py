"""Logging in: a token for phones and scripts, a session for browsers, both throttled per username
and per address, with messages in Chinese unless English is asked for. The people are the cast of a drawn city
(tests/grids/cast.py), logging in with the demo's password."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from grids.models import FailedLogin
from tests.conftest import DEMO_PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
TOO_MANY = "登录失败次数过多"


def ask_for_token(username, password=DEMO_PASSWORD, client=None, **extra):
    return (client or Client()).post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json", **extra
    )


def log_in_with_browser(username, password=DEMO_PASSWORD, client=None):
    client = client or Client()
    return client, client.post(LOGIN_URL, {"username": username, "password": password})


def fail_to_log_in(username, times):
    for _ in range(times):
        assert ask_for_token(username, "not-the-password").status_code == 400


def failures_of(username):
    return FailedLogin.objects.filter(username=username).count()


def let_the_lock_expire(username):
    long_ago = timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES, seconds=1)
    FailedLogin.objects.filter(username=username).update(at=long_ago)


# --- token ---------------------------------------------------------------------------------------


def test_the_right_password_gets_the_users_token(usernames):
    response = ask_for_token(usernames["grid_worker"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token"}
    assert body["token"] == Token.objects.get(user__username=usernames["grid_worker"]).key


def test_asking_twice_gives_the_same_token(usernames):
    assert ask_for_token(usernames["analyst"]).json() == ask_for_token(usernames["analyst"]).json()


def test_the_token_opens_the_api_with_the_users_scope(usernames):
    key = ask_for_token(usernames["grid_worker"]).json()["token"]
    response = Client().get("/api/v1/areas/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    (grid,) = [feature["id"] for feature in response.json()["features"]]
    assert (
        get_user_model()
        .objects.get(username=usernames["grid_worker"])
        .person.assignments.filter(area__code=grid)
        .exists()
    )


def test_a_wrong_token_is_refused_with_401(db):
    response = Client().get("/api/v1/areas/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_password_is_refused_in_chinese_naming_the_password(usernames):
    response = ask_for_token(usernames["grid_worker"], "wrong-password")
    assert response.status_code == 400
    assert response.json() == {"detail": "用户名或密码错误。", "code": "wrong_credentials", "field": "password"}
    assert not Token.objects.filter(user__username=usernames["grid_worker"]).exists()


def test_a_wrong_password_is_refused_in_english_on_request(usernames):
    response = ask_for_token(usernames["grid_worker"], "wrong-password", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Wrong username or password."


def test_an_unknown_username_is_refused_like_a_wrong_password(db):
    response = ask_for_token("mallory", DEMO_PASSWORD)
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_credentials"


@pytest.mark.parametrize("missing", ["username", "password"])
def test_a_missing_field_is_refused_naming_it(usernames, missing):
    data = {"username": usernames["grid_worker"], "password": DEMO_PASSWORD}
    del data[missing]
    response = Client().post(TOKEN_URL, data, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == missing
    assert set(body["errors"]) == {missing}
    assert body["errors"][missing] == ["该字段是必填项。"]


def test_an_empty_request_names_both_fields(db):
    response = Client().post(TOKEN_URL, {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


# --- throttling ----------------------------------------------------------------------------------


def test_each_wrong_password_is_recorded(usernames):
    fail_to_log_in(usernames["grid_worker"], 2)
    assert failures_of(usernames["grid_worker"]) == 2


def test_after_the_limit_even_the_right_password_is_refused_with_429(usernames):
    limit = settings.LOGIN_MAX_FAILURES
    fail_to_log_in(usernames["grid_worker"], limit)
    response = ask_for_token(usernames["grid_worker"])
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_attempts"
    assert body["detail"].startswith(TOO_MANY) and str(settings.LOGIN_LOCK_MINUTES) in body["detail"]
    assert failures_of(usernames["grid_worker"]) == limit
    assert not Token.objects.filter(user__username=usernames["grid_worker"]).exists()


def test_one_attempt_short_of_the_limit_the_right_password_still_works(usernames):
    fail_to_log_in(usernames["grid_worker"], settings.LOGIN_MAX_FAILURES - 1)
    assert ask_for_token(usernames["grid_worker"]).status_code == 200


def test_a_locked_username_does_not_lock_another_user(usernames):
    fail_to_log_in(usernames["grid_worker"], settings.LOGIN_MAX_FAILURES)
    assert ask_for_token(usernames["grid_worker_2"]).status_code == 200


def test_once_the_window_has_passed_the_right_password_works_and_clears_the_record(usernames):
    fail_to_log_in(usernames["grid_worker"], settings.LOGIN_MAX_FAILURES)
    let_the_lock_expire(usernames["grid_worker"])
    response = ask_for_token(usernames["grid_worker"])
    assert response.status_code == 200 and "token" in response.json()
    assert failures_of(usernames["grid_worker"]) == 0


def test_one_address_guessing_many_usernames_is_locked_out(usernames):
    for i in range(4 * settings.LOGIN_MAX_FAILURES):
        assert ask_for_token(f"guess{i}", "123456", REMOTE_ADDR="10.0.0.66").status_code == 400
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR="10.0.0.66").status_code == 429
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR="10.0.0.77").status_code == 200


# --- browser -------------------------------------------------------------------------------------


def test_the_login_page_is_in_chinese(db):
    response = Client().get(LOGIN_URL)
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_the_right_password_logs_the_browser_in_and_goes_to_the_map(usernames):
    client, response = log_in_with_browser(usernames["community_dispatcher"])
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(
        get_user_model().objects.get(username=usernames["community_dispatcher"]).pk
    )
    assert client.get("/api/v1/areas/").status_code == 200


def test_a_wrong_password_shows_a_chinese_error_and_logs_nobody_in(usernames):
    client, response = log_in_with_browser(usernames["community_dispatcher"], "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert failures_of(usernames["community_dispatcher"]) == 1


def test_the_login_page_is_throttled_like_the_token(usernames):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        log_in_with_browser(usernames["community_dispatcher"], "wrong-password")
    client, response = log_in_with_browser(usernames["community_dispatcher"])
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert SESSION_KEY not in client.session
    assert failures_of(usernames["community_dispatcher"]) == settings.LOGIN_MAX_FAILURES


def test_failures_on_the_page_and_on_the_token_add_up(usernames):
    limit = settings.LOGIN_MAX_FAILURES
    fail_to_log_in(usernames["street_dispatcher"], limit - 1)
    log_in_with_browser(usernames["street_dispatcher"], "wrong-password")
    assert ask_for_token(usernames["street_dispatcher"]).status_code == 429


def test_the_login_page_works_again_once_the_window_has_passed(usernames):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        log_in_with_browser(usernames["community_dispatcher"], "wrong-password")
    let_the_lock_expire(usernames["community_dispatcher"])
    _client, response = log_in_with_browser(usernames["community_dispatcher"])
    assert response.status_code == 302
    assert failures_of(usernames["community_dispatcher"]) == 0


# --- logout --------------------------------------------------------------------------------------


def test_logout_is_a_post_that_ends_the_session(usernames):
    client, _response = log_in_with_browser(usernames["leader"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == LOGIN_URL
    assert SESSION_KEY not in client.session
    assert client.get("/api/v1/areas/").status_code == 401


def test_logout_by_get_is_refused_and_keeps_the_session(usernames):
    client, _response = log_in_with_browser(usernames["leader"])
    assert client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session
