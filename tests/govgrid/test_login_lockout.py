"""Guessing a known username from one address locks out only that address: the person still logs
in from another, by token or in the browser, while a name guessed from many addresses gets a
doubling delay rather than a lock. Behind our proxy the address comes from its header, and only
when a setting says so. The people are the cast of a drawn city (tests/grids/cast.py)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from grids.models import FailedLogin
from tests.conftest import DEMO_PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
MALLORY = "10.0.0.66"
ALICE = "10.0.0.77"


def ask_for_token(username, password=DEMO_PASSWORD, **meta):
    return Client().post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json", **meta
    )


def hammer(username, address, times=None, **meta):
    for _ in range(times or settings.LOGIN_MAX_FAILURES):
        assert ask_for_token(username, "guess", REMOTE_ADDR=address, **meta).status_code == 400


def guessed_from_many_addresses(username, addresses):
    """Each address made as many refusals as it may, just now (a botnet's work)."""
    FailedLogin.objects.bulk_create(
        FailedLogin(username=username, ip=f"10.0.1.{n}")
        for n in range(1, addresses + 1)
        for _ in range(settings.LOGIN_MAX_FAILURES)
    )


def step_back(seconds):
    """The clock moves on: every recorded refusal happened `seconds` earlier."""
    FailedLogin.objects.update(at=timezone.now() - timedelta(seconds=seconds))


def test_mallory_guessing_alices_name_is_locked_out_but_alice_gets_her_token_from_elsewhere(usernames):
    hammer(usernames["grid_worker"], MALLORY)
    for _ in range(10):  # keeps trying, refused before any password is checked
        assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=MALLORY).status_code == 429
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).status_code == 200


def test_alice_logs_in_to_the_browser_from_elsewhere_while_her_name_is_hammered(usernames):
    hammer(usernames["community_dispatcher"], MALLORY)
    alice = Client(REMOTE_ADDR=ALICE)
    response = alice.post(LOGIN_URL, {"username": usernames["community_dispatcher"], "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert SESSION_KEY in alice.session


def test_the_browser_login_from_mallorys_address_is_locked_too(usernames):
    hammer(usernames["community_dispatcher"], MALLORY)
    mallory = Client(REMOTE_ADDR=MALLORY)
    response = mallory.post(LOGIN_URL, {"username": usernames["community_dispatcher"], "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert SESSION_KEY not in mallory.session


def test_alices_success_does_not_clear_mallorys_lock(usernames):
    hammer(usernames["grid_worker"], MALLORY)
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).status_code == 200
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=MALLORY).status_code == 429


@pytest.mark.serial  # the seconds left of a delay are read on the real clock, beside password hashing
def test_a_name_guessed_from_many_addresses_makes_everyone_wait_a_doubling_delay_not_a_lock(usernames):
    guessed_from_many_addresses(usernames["grid_worker"], 1)
    hammer(usernames["grid_worker"], "10.0.2.1", times=1)
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).json()["retry_after"] == 1
    step_back(1)
    hammer(usernames["grid_worker"], "10.0.2.1", times=1)
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).json()["retry_after"] == 2
    step_back(2)
    hammer(usernames["grid_worker"], "10.0.2.1", times=1)
    wait = 4  # 1 s, 2 s, 4 s after the three refusals beyond one address's share
    refused = ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE)
    assert refused.status_code == 429
    assert refused.json()["retry_after"] == wait
    assert "秒后再试" in refused.json()["detail"]
    step_back(wait)
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).status_code == 200


@pytest.mark.serial  # the seconds left of a delay are read on the real clock, beside password hashing
def test_the_delay_is_bounded(usernames, settings):
    settings.LOGIN_BACKOFF_MAX_SECONDS = 7
    guessed_from_many_addresses(usernames["grid_worker"], 5)
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).json()["retry_after"] == 7
    step_back(7)
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=ALICE).status_code == 200


def test_without_a_trusted_header_setting_a_sent_x_real_ip_changes_nothing(usernames):
    # Mallory names a new address each time: the server knows his real one.
    for n in range(4 * settings.LOGIN_MAX_FAILURES):
        ask_for_token(f"guess{n}", "guess", REMOTE_ADDR=MALLORY, HTTP_X_REAL_IP=f"10.9.9.{n}")
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR=MALLORY, HTTP_X_REAL_IP="10.9.9.200").status_code == 429


@pytest.mark.parametrize(
    ("header", "mallory", "alice"),
    [
        ("X-Real-IP", {"HTTP_X_REAL_IP": MALLORY}, {"HTTP_X_REAL_IP": ALICE}),
        # The client may send X-Forwarded-For itself: only the entry our proxy appended counts.
        (
            "X-Forwarded-For",
            {"HTTP_X_FORWARDED_FOR": f"{ALICE}, {MALLORY}"},
            {"HTTP_X_FORWARDED_FOR": f"{MALLORY}, {ALICE}"},
        ),
    ],
)
def test_behind_the_proxy_the_address_comes_from_the_trusted_header(usernames, settings, header, mallory, alice):
    settings.TRUSTED_PROXY_HEADER = header
    hammer(usernames["grid_worker"], "127.0.0.1", **mallory)
    assert set(FailedLogin.objects.values_list("ip", flat=True)) == {MALLORY}
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR="127.0.0.1", **mallory).status_code == 429
    assert ask_for_token(usernames["grid_worker"], REMOTE_ADDR="127.0.0.1", **alice).status_code == 200


def test_x_forwarded_for_counts_the_configured_number_of_proxies(usernames, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_HOPS = 2
    hammer(usernames["grid_worker"], "127.0.0.1", times=1, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {MALLORY}, 10.1.1.1")
    assert list(FailedLogin.objects.values_list("ip", flat=True)) == [MALLORY]


def test_a_request_that_bypassed_the_proxy_is_known_by_its_own_address(usernames, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    hammer(usernames["grid_worker"], MALLORY, times=1, HTTP_X_REAL_IP="not an address")
    hammer(usernames["grid_worker"], MALLORY, times=1)
    assert list(FailedLogin.objects.values_list("ip", flat=True)) == [MALLORY, MALLORY]
