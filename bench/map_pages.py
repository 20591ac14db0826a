"""Page weight of the coverage map, against a naive folium map of the raw grid geometries.

    .venv/bin/python bench/map_pages.py [--sizes 514 50000]

For each city size, in the same run and on the same database (govgrid_bench):
- govgrid: GET /maps/coverage/ as the demo leader through Django's test client (the whole view:
  coverage rules in SQL, simplified and rounded geometry or vector tiles, folium rendering); its
  HTML size, and above settings.MAP_TILES_ABOVE grids also the vector tiles a browser fetches for
  the first view of the district (zoom 11 and 12 over the district's extent);
- the peer: every grid's full boundary and fields as GeoJSON (ST_AsGeoJSON at full precision) put
  into a plain folium.GeoJson and rendered, which is what a first version of such a page does.
"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from areas import heading, record, setup_django  # noqa: E402
from coverage import load_city  # noqa: E402


def ours(client):
    start = time.perf_counter()
    answer = client.get("/maps/coverage/")
    elapsed = time.perf_counter() - start
    assert answer.status_code == 200, answer.status_code
    return elapsed, len(answer.content)


def tile_bytes(client):
    """Bytes of the vector tiles covering the district at zooms 11 and 12 (the first views)."""
    from django.contrib.gis.db.models import Extent

    from grids.models import Area

    west, south, east, north = Area.objects.filter(code="411381").aggregate(e=Extent("geom"))["e"]
    total = count = 0
    for z in (11, 12):
        n = 2**z
        x0, x1 = int((west + 180) / 360 * n), int((east + 180) / 360 * n)
        y = [int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n) for lat in (north, south)]
        for x in range(x0, x1 + 1):
            for yy in range(y[0], y[1] + 1):
                answer = client.get(f"/maps/tiles/grids/{z}/{x}/{yy}.pbf?within=411381")
                total += len(answer.content)
                count += answer.status_code == 200
    return total, count


def naive():
    import folium
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
                   'type', 'Feature', 'geometry', ST_AsGeoJSON(geom)::json,
                   'properties', to_jsonb(a) - 'geom')))::text
               FROM grids_area a WHERE level = 'grid' AND code LIKE '411381%'"""
        )
        collection = cursor.fetchone()[0]
    fmap = folium.Map(tiles=None)
    folium.GeoJson(collection, name="grids").add_to(fmap)
    html = fmap.get_root().render()
    return time.perf_counter() - start, len(html.encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[514, 50000])
    args = parser.parse_args()
    os.environ.setdefault("GOVGRID_DEMO_PASSWORD", "bench-only")
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    rows = []
    for size in args.sizes:
        print(f"city of {size:,} grids: building", flush=True)
        load_city(size)
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="leader"))
        ours(client)  # warm
        our_s, our_bytes = ours(client)
        tiles = tile_bytes(client) if size > settings.MAP_TILES_ABOVE else (0, 0)
        naive_s, naive_bytes = naive()
        rows.append((size, our_s, our_bytes, tiles, naive_s, naive_bytes))
        print(rows[-1], flush=True)
    lines = heading("map pages", "map_pages.py") + [
        "| grids | coverage page (s) | page HTML | vector tiles, first views "
        "| naive folium.GeoJson (s) | naive HTML | naive HTML / page HTML |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, our_s, our_bytes, (tile_total, tile_count), naive_s, naive_bytes in rows:
        tiles = f"{tile_total / 1e6:.2f} MB in {tile_count} tiles" if tile_count else "none (inline)"
        lines.append(
            f"| {size:,} | {our_s:.2f} | {our_bytes / 1e3:,.0f} KB | {tiles} | {naive_s:.2f} | "
            f"{naive_bytes / 1e6:,.2f} MB | {naive_bytes / our_bytes:.2f} |"
        )
    record("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
