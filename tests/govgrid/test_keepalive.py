"""nginx → gunicorn's threads over kept-alive connections: gunicorn keeps an idle connection open
longer than nginx does (govgrid/gunicorn_conf.py, scripts/nginx.conf.in), so nginx never sends a
request on a connection gunicorn is closing, which lost a dispatcher's POST under load (a 502)."""

import http.client
import re
import time

import pytest

from govgrid import gunicorn_conf
from tests.conftest import ROOT, database_url, gunicorn

pytestmark = pytest.mark.django_db  # the served app reads the test database

IDLE_SECONDS = 3  # longer than gunicorn's own default keep-alive (2 s)


def upstream_keepalive_timeout():
    """nginx's keepalive_timeout in the upstream of gunicorn, in seconds (nginx's default: 60)."""
    text = (ROOT / "scripts" / "nginx.conf.in").read_text()
    upstream = re.search(r"upstream govgrid_app \{(.*?)\}", text, re.S).group(1)
    found = re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.M)
    return int(found.group(1)) if found else 60


def test_nginx_closes_its_idle_connections_to_gunicorn_well_before_gunicorn_does():
    gunicorn_keepalive = getattr(gunicorn_conf, "keepalive", 2)  # gunicorn's default: 2 s
    assert upstream_keepalive_timeout() + 10 <= gunicorn_keepalive


@pytest.fixture
def threaded_app(tmp_path, db):
    """gunicorn with threads, with govgrid's configuration, on the test database."""
    env = {"DATABASE_URL": database_url(), "GOVGRID_MEDIA_ROOT": str(tmp_path)}
    arguments = ("-c", "govgrid/gunicorn_conf.py", "--workers", "1", "--threads", "2")
    with gunicorn(env, tmp_path / "gunicorn.log", *arguments) as base:
        yield int(base.rsplit(":", 1)[1])


def test_a_post_sent_on_a_connection_left_idle_for_seconds_is_answered(threaded_app):
    nginx = http.client.HTTPConnection("127.0.0.1", threaded_app, timeout=30)
    nginx.request("GET", "/accounts/login/")
    assert nginx.getresponse().read() and nginx.sock is not None  # kept alive
    time.sleep(IDLE_SECONDS)
    nginx.request("POST", "/accounts/login/", body=b"username=x", headers={"Content-Type": "text/plain"})
    answer = nginx.getresponse()  # gunicorn's default keep-alive had closed it: RemoteDisconnected
    answer.read()
    assert answer.status == 403  # no CSRF token: refused, but answered on the same connection
    nginx.close()
