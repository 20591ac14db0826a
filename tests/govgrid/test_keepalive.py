"""nginx → gunicorn's threads over kept-alive connections: gunicorn keeps an idle connection open
longer than nginx does (govgrid/gunicorn_conf.py, scripts/nginx.conf.in), so nginx never sends a
request on a connection gunicorn is closing, which lost a dispatcher's POST under load (a 502)."""

import http.client
import os
import re
import subprocess
import sys
import time
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from django.db import connection

from govgrid import gunicorn_conf
from tests.conftest import ROOT, SERVER_START_SECONDS, _free_port

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
def threaded_app(tmp_path):
    """gunicorn with threads, with govgrid's configuration, on the test database."""
    db = connection.settings_dict
    user = quote(db["USER"], safe="") + ":" + quote(db["PASSWORD"], safe="")
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        GOVGRID_MEDIA_ROOT=str(tmp_path),
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "govgrid.wsgi", "-c", "govgrid/gunicorn_conf.py"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2", "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
            time.sleep(0.3)
    yield port
    server.terminate()
    server.wait(timeout=30)


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
