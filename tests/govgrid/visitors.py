"""A client of the served app that keeps its cookies, as a browser and the phone's page do."""

import json
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

from tests.conftest import DEMO_PASSWORD


class Visitor:
    """A client that keeps its cookies, as a browser and the phone's page do; with a token if given."""

    def __init__(self, base, token=None):
        self.base = base
        self.token = token
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar))

    def send(self, method, path, body=None, form=None):
        headers = {"Authorization": f"Token {self.token}"} if self.token else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        try:
            with self.opener.open(
                Request(self.base + path, data=data, method=method, headers=headers), timeout=60
            ) as r:
                return r.status, r.read()
        except HTTPError as error:
            return error.code, error.read()

    def get(self, path):
        return self.send("GET", path)

    def log_in(self, username):
        self.get("/accounts/login/")
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        form = {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrf}
        status, _ = self.send("POST", "/accounts/login/", form=form)
        assert status == 200  # the dashboard the login leads to
