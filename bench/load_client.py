"""The load test's HTTP side: one keep-alive client per simulated user, and the record of every request.

A `Client` is what a browser or a phone is to the server: one persistent connection (opened again
when the server closes it), its cookies (the session and the CSRF token), form and multipart bodies.
It is the standard library's http.client, so the load generator costs little CPU on a machine whose
two cores also run nginx, gunicorn and PostgreSQL. Each request is timed from sending to the last
byte of the answer read, and recorded under a label that names the page or endpoint, not its URL
(`/dispatch/<code>/` is one row however many cases are opened).
"""

import http.client
import math
import re
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

REQUEST_TIMEOUT_S = 135  # nginx gives gunicorn 130 s (scripts/nginx.conf.in): a slower answer is its 504


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict
    seconds: float

    def text(self):
        return self.body.decode("utf-8", "replace")


@dataclass
class Failure:
    """A request that got no answer, or an answer it should not have."""

    label: str
    method: str
    path: str
    status: int  # 0: no answer (connection refused, reset or timed out)
    detail: str
    at: float = field(default_factory=time.time)


class Recorder:
    """Every request's time by label; a request counts when it started inside the measured window
    (so a slow page still running at the window's end is counted, not left out); failures kept."""

    def __init__(self):
        self.lock = threading.Lock()
        self.window = (math.inf, math.inf)  # perf_counter() at its start and its end
        self.times = defaultdict(list)  # label → seconds of each successful request while measuring
        self.errors = defaultdict(int)  # label → failed requests while measuring
        self.statuses = defaultdict(lambda: defaultdict(int))  # label → status → count while measuring
        self.failures = []  # every failure, warm-up included, for the report

    def begin(self):
        self.window = (time.perf_counter(), math.inf)

    def end(self):
        self.window = (self.window[0], time.perf_counter())

    def add(self, label, started, seconds, status, ok, failure=None):
        with self.lock:
            if failure is not None:
                self.failures.append(failure)
            if not self.window[0] <= started < self.window[1]:
                return
            self.statuses[label][status] += 1
            if ok:
                self.times[label].append(seconds)
            else:
                self.errors[label] += 1


class Client:
    """One user's connection to the server (host:port on loopback), cookies and CSRF token."""

    def __init__(self, host, port, recorder, headers=None):
        self.host, self.port = host, port
        self.recorder = recorder
        self.cookies = {}
        self.headers = {"User-Agent": "govgrid-load", "Accept-Language": "zh-hans", **(headers or {})}
        self.connection = None

    def _connection(self):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
        return self.connection

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _send(self, method, path, body, headers):
        """One request on the kept connection; opened again once if the server had closed it idle."""
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                return response, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
            except Exception:
                self.close()
                raise

    def request(self, label, method, path, body=None, content_type=None, expect=(200,), headers=None):
        """Send, time and record one request; returns the Answer, or None when there was none.
        An answer whose status is not in `expect` counts as an error of its label."""
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            sent["Content-Type"] = content_type
        if method == "POST" and "csrftoken" in self.cookies:
            sent["X-CSRFToken"] = self.cookies["csrftoken"]
            sent["Referer"] = f"http://{self.host}:{self.port}/"
        start = time.perf_counter()
        try:
            response, data = self._send(method, path, body, sent)
        except Exception as error:  # no answer at all: refused, reset, timed out
            seconds = time.perf_counter() - start
            failure = Failure(label, method, path, 0, f"{type(error).__name__}: {error}")
            self.recorder.add(label, start, seconds, 0, ok=False, failure=failure)
            return None
        seconds = time.perf_counter() - start
        self._keep_cookies(response)
        answer = Answer(response.status, data, dict(response.getheaders()), seconds)
        ok = response.status in expect
        failure = None if ok else Failure(label, method, path, response.status, data[:300].decode("utf-8", "replace"))
        self.recorder.add(label, start, seconds, response.status, ok, failure)
        return answer

    def get(self, label, path, params=None, expect=(200,)):
        return self.request(label, "GET", path + ("?" + urlencode(params) if params else ""), expect=expect)

    def post_form(self, label, path, fields, expect=(200, 302)):
        return self.request(
            label,
            "POST",
            path,
            body=urlencode(fields).encode(),
            content_type="application/x-www-form-urlencoded",
            expect=expect,
        )

    def post_multipart(self, label, path, fields, files, expect=(200, 201)):
        body, content_type = multipart(fields, files)
        return self.request(label, "POST", path, body=body, content_type=content_type, expect=expect)

    def _keep_cookies(self, response):
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def log_in(self, username, password):
        """The browser's login: the form (for its CSRF cookie), then the POST; True once logged in."""
        self.get("login (before the run)", "/accounts/login/")
        answer = self.post_form(
            "login (before the run)", "/accounts/login/", {"username": username, "password": password}, expect=(302,)
        )
        return answer is not None and answer.status == 302 and "sessionid" in self.cookies


def multipart(fields, files):
    """A multipart/form-data body: `fields` {name: value}, `files` [(field name, file name, type, bytes)]."""
    boundary = "govgridload" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content_type, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def links(html, pattern):
    """The distinct matches of `pattern`'s first group in a page, in order (a page's case codes, say)."""
    return list(dict.fromkeys(re.findall(pattern, html)))
