"""scripts/serve.sh, what `make run` starts: nginx in front of gunicorn, and the overdue sweep beside
them, all stopped together."""

import os
import signal
import socket
import subprocess
import time
from urllib.request import urlopen

import pytest

from incidents.models import IncidentEvent
from tests.conftest import ROOT, _free_port, database_url, wait_until_served
from tests.incidents.test_escalate_overdue import committed_cases  # noqa: F401 - a fixture

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/sbin/nginx"), reason="scripts/setup.sh installs nginx")


@pytest.fixture
def served(db, tmp_path):
    """serve.sh on free ports, on the test database, sweeping every second; yields (base URL, its log)."""
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        BIND=f"127.0.0.1:{port}",
        BACKEND_BIND=f"127.0.0.1:{_free_port()}",
        WORKERS="2",
        SWEEP_EVERY="1",
        GOVGRID_MEDIA_ROOT=str(tmp_path / "media"),
    )
    log_path = tmp_path / "serve.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["scripts/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(base, process, log_path, "serve.sh")
    except RuntimeError:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    yield base, log_path, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def poll(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_an_overdue_case_escalates_by_itself(served, committed_cases):  # noqa: F811
    (case_id,) = committed_cases("1")
    assert poll(lambda: IncidentEvent.objects.filter(incident_id=case_id, action="escalate").exists(), 30)


def test_clients_that_never_finish_their_headers_leave_the_site_answering(served):
    base, _, _ = served
    port = int(base.rsplit(":", 1)[1])
    stalled = []
    for _ in range(30):  # far more than the two gunicorn workers
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        stalled.append(s)
    try:
        for _ in range(5):
            with urlopen(base + "/accounts/login/", timeout=10) as answer:
                assert answer.status == 200
    finally:
        for s in stalled:
            s.close()


def test_the_access_log_never_holds_an_api_key_or_a_token(served):
    base, log_path, _ = served
    urlopen(base + "/accounts/login/?api_key=s3cret-a&access_token=s3cret-b&Password=s3cret-c&area=1").read()
    urlopen(base + "/accounts/login/?api_ke%79=s3cret-escaped&level=grid").read()
    urlopen(base + "/accounts/login/?api_key=s3cret-key&token=s3cret-token&area=411381").read()
    assert poll(lambda: "area=411381" in log_path.read_text(), 10)
    log = log_path.read_text()
    assert "s3cret" not in log
    assert "api_key=[redacted]&token=[redacted]&area=411381" in log
    assert "/accounts/login/?[query removed]" in log  # three credentials: the query is left out


def test_stopping_it_stops_nginx_gunicorn_and_the_sweep(served):
    base, _, process = served
    children = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 4  # the script, nginx, gunicorn, the sweep (and their workers)
    os.kill(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    assert poll(lambda: subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True).returncode == 1, 20)
    with pytest.raises(OSError):
        urlopen(base + "/accounts/login/", timeout=2)
