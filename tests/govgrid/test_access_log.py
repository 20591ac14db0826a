"""The access log never holds a credential: gunicorn started as `make run` starts it (with
govgrid/gunicorn_conf.py) writes requests carrying an api_key, a token, an Authorization header or a
session cookie with those values replaced, and keeps the rest of each line."""

import re
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from tests.conftest import database_url, gunicorn

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "govgrid/gunicorn_conf.py"
# Everything a log format could print about a request, credentials included.
GREEDY_FORMAT = (
    '%(h)s "%(r)s" %(s)s q=%(q)s U=%(U)s "%(f)s" %({authorization}i)s %({cookie}i)s %({x-csrftoken}i)s '
    "%({set-cookie}o)s %({http_authorization}e)s %({http_cookie}e)s %({raw_uri}e)s %({query_string}e)s"
)


def test_make_run_starts_gunicorn_with_the_redacting_configuration():
    # make run → scripts/serve.sh, which starts gunicorn behind nginx (whose own log redacts likewise).
    assert "exec scripts/serve.sh" in (ROOT / "Makefile").read_text()
    serve = (ROOT / "scripts" / "serve.sh").read_text().splitlines()
    gunicorn_line = next(line for line in serve if "-m gunicorn " in line)
    assert f"-c {CONFIG}" in gunicorn_line


def serve(tmp_path, log_format=None):
    """govgrid under gunicorn with the redacting configuration, its access log in a file; the
    server (tests/conftest.py gunicorn, a context manager) and the log's path."""
    log = tmp_path / "access.log"
    arguments = ["-c", CONFIG, "--workers", "1", "--access-logfile", str(log)]
    arguments += ["--access-logformat", log_format] if log_format else []
    return gunicorn({"DATABASE_URL": database_url()}, tmp_path / "gunicorn.log", *arguments), log


def get(url, **headers):
    try:
        with urlopen(Request(url, headers=headers), timeout=30) as response:
            return response.status
    except HTTPError as error:
        return error.code


@pytest.mark.django_db
@pytest.mark.parametrize("log_format", [None, GREEDY_FORMAT], ids=["make-run-format", "greedy-format"])
def test_the_access_log_shows_requests_but_no_credential(tmp_path, log_format):
    server, log = serve(tmp_path, log_format)
    with server as base:
        get(base + "/open311/v2/requests.json?status=open&api_key=SECRET-one")
        get(
            base + "/api/v1/areas/?level=street&token=SECRET-two",
            Authorization="Token SECRET-three",
            Referer=base + "/api/docs/?api_key=SECRET-four",
            Cookie="sessionid=SECRET-five; csrftoken=SECRET-six",
        )
        get(base + "/api/v1/areas/?API%5FKEY=SECRET-seven&Password=SECRET-eight&within=411381")
        get(base + "/accounts/login/", **{"X-CSRFToken": "SECRET-nine"})  # answers with Set-Cookie
        time.sleep(0.5)  # the worker writes the line after the answer
    text = log.read_text()
    assert "SECRET" not in text
    assert "GET /open311/v2/requests.json?status=open&api_key=[redacted] HTTP/1.1" in text
    assert re.search(r"GET /api/v1/areas/\?level=street&token=\[redacted\] HTTP/1.1\" 401 ", text)
    assert "GET /api/v1/areas/?API%5FKEY=[redacted]&Password=[redacted]&within=411381 HTTP/1.1" in text
    if log_format:
        assert "[redacted] [redacted]" in text  # the Authorization and Cookie headers asked for


def test_redaction_keeps_ordinary_parameters():
    from govgrid.gunicorn_conf import redact_atoms

    atoms = {
        "r": "GET /api/v1/export/incidents.csv?area=411381&since=2026-01-01&tk=abc HTTP/1.1",
        "a": "Mozilla/5.0 (X11; Linux x86_64)",
        "{authorization}i": "Basic YWxpY2U6c2VjcmV0",
        "B": 1234,
    }
    assert redact_atoms(atoms) == {
        "r": "GET /api/v1/export/incidents.csv?area=411381&since=2026-01-01&tk=[redacted] HTTP/1.1",
        "a": "Mozilla/5.0 (X11; Linux x86_64)",
        "{authorization}i": "[redacted]",
        "B": 1234,
    }
