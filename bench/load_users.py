"""The load test's users: what each kind does, how often, and the pause between two of its steps.

Each simulated user is a thread with its own connection (bench/load_client.py), acting in a loop
until told to stop: one step, then a think time drawn uniformly between half and one and a half
times the kind's mean. Where a kind has several steps, one is drawn by its weight each time.

- phone (a grid worker of a grid spread over the city, API token), every 6 s: report a case with
  one photo at a random point of its grid (weight 4), or list its own cases (1);
- dispatcher (community_dispatcher or street_dispatcher, browser session), every 4 s: the queue,
  one of its cases, and on that page the first action offered of accept, resolve, close and
  escalate, then the case page the browser is sent back to;
- leader (leader, browser session), every 8 s: the dashboard of the district (3) or of a street (2);
  the coverage map of the district (2) or of a street (1); the density map (2); a grid's coverage
  card (2); the vector tiles of one map view, 3 × 2 tiles at zoom 12-14 (2);
- analyst (analyst, API token as a GIS tool), every 15 s: a street's cases of the last 30 days as
  GeoJSON (2), a community's year of cases as CSV (1), a street's grids as GeoJSON (1), a street's
  coverage as GeoJSON (1).

The users are split between kinds by LOAD_MIX (phones half, dispatchers a quarter, the rest leaders
and analysts), at least one of each.
"""

import math
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from load_client import Client, links

LOAD_MIX = {"phone": 0.5, "dispatcher": 0.25, "leader": 0.17, "analyst": 0.08}
THINK_S = {"phone": 6.0, "dispatcher": 4.0, "leader": 8.0, "analyst": 15.0}
# The actions a dispatcher takes when the case page offers them, in this order of preference: the
# case moves on through the workflow without a form beyond a reason and a note.
DISPATCH_ACTIONS = ("accept", "resolve", "close", "escalate")
MARK = "(load bench)"  # ends the description of every case the phones report, so the run can remove them


@dataclass
class City:
    """What the users need to know of the city served: codes to look at, accounts, categories, a photo."""

    district: str
    streets: list
    communities: list
    grids: list
    extent: tuple  # west, south, east, north of the district (WGS84)
    categories: list
    reporters: list  # bench.intake.Reporter: username, token, grid code, points inside the grid
    passwords: dict  # username → password of the demo accounts used here
    photo: bytes


def split_users(total):
    """How many users of each kind for `total` users (at least one of each)."""
    counts = {kind: max(1, math.floor(total * share)) for kind, share in LOAD_MIX.items()}
    counts["phone"] += max(0, total - sum(counts.values()))
    return counts


class User(threading.Thread):
    kind = ""

    def __init__(self, number, city, host, port, recorder, stop, seed):
        super().__init__(name=f"{self.kind}-{number}", daemon=True)
        self.number = number
        self.city = city
        self.client = Client(host, port, recorder)
        self.stop = stop
        self.rng = random.Random(seed)

    def run(self):
        try:
            self.start_up()
            self.stop.wait(self.rng.uniform(0, THINK_S[self.kind]))  # users do not all start at once
            while not self.stop.is_set():
                self.step()
                self.stop.wait(THINK_S[self.kind] * self.rng.uniform(0.5, 1.5))
        finally:
            self.client.close()

    def start_up(self):
        """Log in, as this kind does."""

    def step(self):
        raise NotImplementedError

    def pick(self, weighted):
        """One of {choice: weight}, drawn by weight."""
        return self.rng.choices(list(weighted), weights=list(weighted.values()))[0]


class Phone(User):
    kind = "phone"

    def start_up(self):
        self.reporter = self.city.reporters[self.number % len(self.city.reporters)]
        self.client.headers["Authorization"] = f"Token {self.reporter.token}"

    def step(self):
        if self.pick({"report": 4, "mine": 1}) == "mine":
            self.client.get("phone: own cases (API)", "/api/v1/incidents/", {"mine": 1})
            return
        lon, lat = self.rng.choice(self.reporter.points)
        fields = {
            "client_id": str(uuid.uuid4()),
            "category": self.rng.choice(self.city.categories),
            "description": f"井盖缺失，请尽快处理 {MARK}",
            "lon": lon,
            "lat": lat,
            "crs": "wgs84",
            "accuracy_m": 8,
        }
        photo = ("photos", "IMG_0001.jpg", "image/jpeg", self.city.photo)
        self.client.post_multipart("phone: report with a photo (API)", "/api/v1/incidents/", fields, [photo])


class Dispatcher(User):
    kind = "dispatcher"

    def start_up(self):
        self.username = ("community_dispatcher", "street_dispatcher")[self.number % 2]
        self.client.log_in(self.username, self.city.passwords[self.username])

    def step(self):
        queue = self.client.get("dispatcher: queue", "/dispatch/")
        if queue is None or queue.status != 200:
            return
        codes = [c for c in links(queue.text(), r'href="/dispatch/([A-Za-z0-9-]+)/"') if c not in _NOT_CASES]
        if not codes:
            return
        code = self.rng.choice(codes)
        page = self.client.get("dispatcher: case page", f"/dispatch/{code}/")
        if page is None or page.status != 200:
            return
        html = page.text()
        offered = set(re.findall(r'name="action" value="(\w+)"', html))
        version = re.search(r'name="version" value="(\d+)"', html)
        action = next((a for a in DISPATCH_ACTIONS if a in offered), None)
        if action is None or version is None:
            return
        self.stop.wait(THINK_S[self.kind] * self.rng.uniform(0.25, 0.75))  # reading the case
        fields = {"action": action, "version": version.group(1), "reason": "负载测试", "note": "", "confirmed": "1"}
        acted = self.client.post_form("dispatcher: act on the case page", f"/dispatch/{code}/", fields, expect=(302,))
        if acted is not None and acted.status == 302:
            self.client.get("dispatcher: case page", f"/dispatch/{code}/")


_NOT_CASES = {"parked", "templates", "residents"}


class Leader(User):
    kind = "leader"

    def start_up(self):
        self.client.log_in("leader", self.city.passwords["leader"])

    def step(self):
        city, get = self.city, self.client.get
        what = self.pick(
            {
                "dashboard": 3,
                "dashboard street": 2,
                "coverage": 2,
                "coverage street": 1,
                "density": 2,
                "card": 2,
                "tiles": 2,
            }
        )
        if what == "dashboard":
            get("leader: dashboard, district", "/")
        elif what == "dashboard street":
            get("leader: dashboard, a street", "/", {"area": self.rng.choice(city.streets)})
        elif what == "coverage":
            get("leader: coverage map, district", "/maps/coverage/")
        elif what == "coverage street":
            get("leader: coverage map, a street", "/maps/coverage/", {"area": self.rng.choice(city.streets)})
        elif what == "density":
            get("leader: density map, district", "/maps/density/")
        elif what == "card":
            get("leader: a grid's coverage card", f"/maps/coverage/grid/{self.rng.choice(city.grids)}/")
        else:
            for z, x, y in self.view_tiles():
                get("leader: vector tile (grids)", f"/maps/tiles/grids/{z}/{x}/{y}.pbf", expect=(200, 204, 304))

    def view_tiles(self):
        """The tiles of one map view (3 × 2 tiles) somewhere over the district, at zoom 12 to 14."""
        west, south, east, north = self.city.extent
        z = self.rng.choice((12, 13, 14))
        lon, lat = self.rng.uniform(west, east), self.rng.uniform(south, north)
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return [(z, x + dx, y + dy) for dx in (-1, 0, 1) for dy in (0, 1)]


class Analyst(User):
    kind = "analyst"

    def start_up(self):
        token = self.client.post_form(
            "login (before the run)",
            "/api/v1/auth/token/",
            {"username": "analyst", "password": self.city.passwords["analyst"]},
            expect=(200,),
        )
        self.client.headers["Authorization"] = f"Token {_json_field(token, 'token')}"

    def step(self):
        city, get = self.city, self.client.get
        today = date.today()
        what = self.pick({"cases": 2, "cases csv": 1, "grids": 1, "coverage": 1})
        if what == "cases":
            since = (today - timedelta(days=30)).isoformat()
            street = self.rng.choice(city.streets)
            get(
                "analyst: a street's cases, 30 days, GeoJSON",
                "/api/v1/export/incidents.geojson",
                {"area": street, "since": since},
            )
        elif what == "cases csv":
            since = (today - timedelta(days=365)).isoformat()
            get(
                "analyst: a community's cases, a year, CSV",
                "/api/v1/export/incidents.csv",
                {"area": self.rng.choice(city.communities), "since": since},
            )
        elif what == "grids":
            get(
                "analyst: a street's grids, GeoJSON",
                "/api/v1/export/grids.geojson",
                {"area": self.rng.choice(city.streets)},
            )
        else:
            get(
                "analyst: a street's coverage, GeoJSON",
                "/api/v1/export/coverage.geojson",
                {"area": self.rng.choice(city.streets)},
            )


def _json_field(answer, name):
    import json

    if answer is None or answer.status != 200:
        raise SystemExit(f"could not log in: {answer and answer.status} {answer and answer.body[:200]}")
    return json.loads(answer.body)[name]


KINDS = {"phone": Phone, "dispatcher": Dispatcher, "leader": Leader, "analyst": Analyst}


def start_users(counts, city, host, port, recorder, seed):
    """Start every user; returns (threads, the event that stops them)."""
    stop = threading.Event()
    threads = []
    for kind, count in counts.items():
        for number in range(count):
            user = KINDS[kind](number, city, host, port, recorder, stop, seed=seed * 100_000 + len(threads))
            user.start()
            threads.append(user)
    return threads, stop


def stop_users(threads, stop, grace_s=140):
    """Tell every user to stop and wait for the requests in flight (at most `grace_s`)."""
    stop.set()
    deadline = time.monotonic() + grace_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
