"""The pages of the load test one request at a time: median and slowest of several runs per page.

    DATABASE_URL=postgres://…/<a city's database> .venv/bin/python bench/pages.py [--runs 5] [--only density tiles]

Each page is asked for as the load test's users ask for it (bench/load_users.py: the same URLs,
parameters and accounts), through Django's test client in this process, so what is timed is the
view and its statements, not the network or the server's workers. A page that does not answer
200 (204 for an empty tile) stops the run. The streets, communities and tiles are drawn from a
fixed seed, so two runs (before and after a change) ask for the same things.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
    import django

    django.setup()


def city(seed):
    """Codes to ask for: streets, communities, grids, and a place for the map view of tiles."""
    from grids.models import Area, Level

    rng = random.Random(seed)
    district = Area.objects.filter(level=Level.DISTRICT).order_by("code").first()
    streets = list(
        Area.objects.filter(level=Level.STREET, code__startswith=district.code).values_list("code", flat=True)
    )
    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, code__startswith=district.code).values_list("code", flat=True)
    )
    grids = list(
        Area.objects.filter(level=Level.GRID, code__startswith=district.code).values_list("code", flat=True)[:5000]
    )
    drawn = {
        "district": district.code,
        "streets": rng.sample(streets, min(5, len(streets))),
        "communities": rng.sample(communities, min(5, len(communities))),
        "grids": rng.sample(grids, min(5, len(grids))),
    }
    centre = Area.objects.get(code=drawn["grids"][1]).geom.point_on_surface
    return drawn | {"centre": (centre.x, centre.y)}


def view_tiles(lon, lat, z):
    """One map view's 3 × 2 tiles at zoom `z` around a place, as the load test's leader asks for them
    (bench/load_users.py, there at a random place of the district, here over a grid)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return [f"/maps/tiles/grids/{z}/{x + dx}/{y + dy}.pbf" for dx in (-1, 0, 1) for dy in (0, 1)]


def clients():
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {}
    for username in ("leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        users[username] = client
    return users


def pages(c, users):
    """{page: [(client, url, params), ...]}: each run asks for each entry of its page once."""
    today = date.today()
    month = (today - timedelta(days=30)).isoformat()
    year = (today - timedelta(days=365)).isoformat()
    leader, analyst = users["leader"], users["analyst"]
    return {
        "density": [(leader, "/maps/density/", {})],
        "tiles z12": [(leader, url, {}) for url in view_tiles(*c["centre"], 12)],
        "tiles z14": [(leader, url, {}) for url in view_tiles(*c["centre"], 14)],
        "queue street": [(users["street_dispatcher"], "/dispatch/", {})],
        "queue community": [(users["community_dispatcher"], "/dispatch/", {})],
        "cases geojson": [
            (analyst, "/api/v1/export/incidents.geojson", {"area": s, "since": month}) for s in c["streets"][:2]
        ],
        "cases csv": [(analyst, "/api/v1/export/incidents.csv", {"area": c["communities"][0], "since": year})],
        "phone own cases": [(users["grid_worker"], "/api/v1/incidents/", {"mine": 1})],
        "case page": [(users["street_dispatcher"], "/dispatch/{case}/", {})],
        "coverage geojson": [(analyst, "/api/v1/export/coverage.geojson", {"area": c["streets"][0]})],
        "grids geojson": [(analyst, "/api/v1/export/grids.geojson", {"area": c["streets"][0]})],
        "coverage map street": [(leader, "/maps/coverage/", {"area": c["streets"][1]})],
        "coverage map district": [(leader, "/maps/coverage/", {})],
        "coverage card": [(leader, f"/maps/coverage/grid/{c['grids'][0]}/", {})],
    }


def a_case_of_the_queue():
    from incidents.models import Incident

    return (
        Incident.objects.filter(area_code__startswith="411381001")
        .order_by("-received_at")
        .values_list("code", flat=True)[0]
    )


def get(client, url, params):
    start = time.perf_counter()
    answer = client.get(url, params)
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    elapsed = time.perf_counter() - start
    if answer.status_code not in (200, 204):
        raise SystemExit(f"{url} {params}: {answer.status_code} {body[:300]!r}")
    return elapsed, len(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="the pages to time (default: all)")
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    setup_django()
    c = city(args.seed)
    case = a_case_of_the_queue()
    table = pages(c, clients())
    print("| page | runs | median (ms) | slowest (ms) | bytes |")
    print("|---|---:|---:|---:|---:|")
    for name, requests in table.items():
        if args.only and name not in args.only:
            continue
        times, size = [], 0
        for _ in range(args.runs):
            total = 0.0
            for client, url, params in requests:
                elapsed, size = get(client, url.replace("{case}", case), params)
                total += elapsed
            times.append(total / len(requests))
        print(
            f"| {name} | {args.runs} | {statistics.median(times) * 1000:,.0f} | {max(times) * 1000:,.0f} | {size:,} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
