"""Benchmark: the re-division wizard (redivision.wizard.propose) on a 50-grid community with its
households spread unevenly, against two naive divisions into as many grids, and on a district of
5,000 grids re-divided community by community.

    .venv/bin/python bench/redivision.py [--grids 5000] [--min 300] [--max 500]

Runs against its own database, govgrid_bench (or BENCH_DATABASE_URL), like bench/areas.py.

1. A community of 10 × 5 square grids (about 330 m × 370 m each; the middle one a market, kept whole)
   with households drawn log-normally (seed 7, from a few dozen to well over a thousand), re-divided
   for 300–500 households a grid. The peers, made in the same run from the same units (the wizard's
   lattice cut of the basic grids, each unit weighing its grid's households spread by ground) into
   the same number of grids: equal vertical strips of the community's box, and k-means of the units'
   centroids (Lloyd, 50 rounds, no balancing, no contiguity). For each: the spread of households per
   grid (min, max, standard deviation, coefficient of variation), the grids within the target, the
   grids in more than one piece, mean compactness (4πA/P²) and the time; for the wizard also its
   draft's topology check after accepting.
2. The demo generator's city at --grids grids (imported through grids.importing like bench/areas.py),
   every community re-divided into one draft, proposal and acceptance, with the total time, the
   slowest community and the draft's topology check.
Results are appended to bench/results.md with the command.
"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.areas import heading, record, setup_django, timed  # noqa: E402

BENCH_DISTRICT = "990050"  # the 50-grid community's district, beside the demo city's 411381
ORIGIN, CELL = (112.70, 32.80), 0.0035  # degrees
ROWS, COLS, MARKET = 5, 10, 24  # the 25th grid (row 2, column 4) is a market


def draw_uneven_community():
    """The district, street and community of BENCH_DISTRICT with ROWS × COLS square grids, their
    households drawn log-normally (seed 7); returns the community."""
    import numpy as np
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from grids.models import Area, Generation, GridKind, Level

    Generation.objects.filter(district__code=BENCH_DISTRICT).delete()
    Area.objects.delete_subtree(BENCH_DISTRICT)

    def box(c0, r0, c1, r1):
        x, y = ORIGIN
        return MultiPolygon(Polygon.from_bbox((x + c0 * CELL, y + r0 * CELL, x + c1 * CELL, y + r1 * CELL)), srid=4326)

    district = Area.objects.create(
        code=BENCH_DISTRICT, name="均衡试验区", level=Level.DISTRICT, geom=box(0, 0, COLS, ROWS)
    )
    street = Area.objects.create(code=BENCH_DISTRICT + "001", name="均衡街道", level=Level.STREET, parent=district,
                                 geom=box(0, 0, COLS, ROWS))  # fmt: skip
    community = Area.objects.create(code=street.code + "001", name="均衡社区", level=Level.COMMUNITY, parent=street,
                                    geom=box(0, 0, COLS, ROWS))  # fmt: skip
    households = np.random.default_rng(7).lognormal(mean=5.6, sigma=0.8, size=ROWS * COLS).round().astype(int)
    for i in range(ROWS * COLS):
        row, col = divmod(i, COLS)
        Area.objects.create(
            code=f"{community.code}{i + 1:03d}", name=f"均衡社区{i + 1}网格", level=Level.GRID, parent=community,
            geom=box(col, row, col + 1, row + 1), kind=GridKind.MARKET if i == MARKET else GridKind.BASIC,
            households=int(households[i]), population=int(households[i]) * 3,
        )  # fmt: skip
    return community


# --- the peers: the same units, divided naively ---------------------------------------------------


def unit_centroids():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM wizard_unit ORDER BY id")
        return cursor.fetchall()


def strips(centroids, k):
    """Equal vertical strips of the units' box."""
    xs = [x for x, _y in centroids]
    west, east = min(xs), max(xs)
    width = (east - west) / k or 1
    return [min(k - 1, int((x - west) / width)) for x, _y in centroids]


def kmeans(centroids, k, rounds=50):
    """Lloyd's k-means of the units' centroids (metric-ish: longitude scaled by cos latitude),
    started from k units spread through the list; no balancing."""
    import numpy as np

    points = np.array(centroids)
    points[:, 0] *= math.cos(math.radians(points[:, 1].mean()))
    centres = points[np.linspace(0, len(points) - 1, k).astype(int)]
    labels = np.zeros(len(points), dtype=int)
    for _round in range(rounds):
        labels = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        centres = np.array([points[labels == j].mean(axis=0) if (labels == j).any() else centres[j] for j in range(k)])
    return labels.tolist()


def peer_division(generation, community, target, k, assign):
    """A division of the wizard's own units by `assign(centroids, k)`: (figures, seconds)."""
    from django.db import transaction

    from grids.generations import community_view
    from grids.models import GridKind
    from redivision import wizard_units

    started = time.perf_counter()
    basic = [s for s in community_view(generation, community).values() if s.kind == GridKind.BASIC]
    with transaction.atomic():
        wizard_units.load_shapes(basic)
        units = wizard_units.cut_units(k, None)
        weights = wizard_units.unit_weights(units, target)
        part = assign(unit_centroids(), k)
        grids, figures = wizard_units.union_parts(part, units, weights)
        transaction.set_rollback(True)
    pieces = sum(1 for grid in grids if len(grid.geom) > 1)
    return figures, pieces, time.perf_counter() - started


def community_bench(target):
    from grids import generations
    from redivision.wizard import balance, propose

    community = draw_uneven_community()
    draft = generations.start_draft(BENCH_DISTRICT)
    seconds, proposal = timed(lambda: propose(draft, community, target))
    k = proposal.after["grids"]
    pieces = sum(1 for grid in proposal.grids if len(grid.geom) > 1)
    rows = [
        ("now (50 grids, one a market)", proposal.before, 0, None),
        ("wizard (METIS on the lattice units)", proposal.after, pieces, seconds),
    ]
    for name, assign in (("equal strips", strips), ("k-means of unit centroids", kmeans)):
        figures, peer_pieces, peer_seconds = peer_division(draft, community, target, k, assign)
        rows.append((name, balance(figures, target), peer_pieces, peer_seconds))
    proposal.accept()
    problems = generations.check(draft.id)
    return rows, proposal, problems


def district_bench(n, target):
    """The demo generator's city of `n` grids, every community re-divided into one draft."""
    from django.db import connection, transaction

    from demo.city import DEMO_BOUNDARY, CityPlan, build_city
    from grids import generations
    from grids.importing import import_areas, read_source
    from grids.models import Area, Generation, Level
    from redivision.wizard import propose

    district = read_source(DEMO_BOUNDARY, srs="gcj02")
    records = district + build_city("411381", district[0].geom, CityPlan(grids=n))
    with transaction.atomic():
        Generation.objects.filter(district__code="411381").delete()
        Area.objects.delete_subtree("411381")
    import_areas(records, commit=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grids_area")
    draft = generations.start_draft("411381")
    communities = list(Area.objects.filter(code__startswith="411381", level=Level.COMMUNITY).order_by("code"))
    grids = Area.objects.within("411381").grids().count()
    slowest, new_grids, cvs_before, cvs_after, skipped = 0.0, 0, [], [], 0
    started = time.perf_counter()
    for community in communities:
        draft.refresh_from_db()
        t0 = time.perf_counter()
        try:
            proposal = propose(draft, community, target)
        except Exception as refused:  # noqa: BLE001 - a community with no basic grid is counted, not fatal
            skipped += 1
            print(f"{community.code}: {refused}")
            continue
        made = proposal.accept()
        slowest = max(slowest, time.perf_counter() - t0)
        new_grids += len(made)
        if proposal.before["households"]["cv"] is not None:
            cvs_before.append(proposal.before["households"]["cv"])
            cvs_after.append(proposal.after["households"]["cv"] or 0)
    total = time.perf_counter() - started
    check_s, problems = timed(lambda: generations.check(draft.id))
    return {
        "grids": grids,
        "communities": len(communities),
        "skipped": skipped,
        "new_grids": new_grids,
        "seconds": total,
        "slowest": slowest,
        "check_s": check_s,
        "problems": len(problems),
        "cv_before": sum(cvs_before) / len(cvs_before) if cvs_before else None,
        "cv_after": sum(cvs_after) / len(cvs_after) if cvs_after else None,
    }


def report(target, rows, proposal, problems, district, load_before):
    h = lambda s: s["households"]  # noqa: E731
    lines = heading("re-division wizard", "redivision.py")
    lines[0] += f"; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    lines += [
        f"A 50-grid community (10 × 5 squares, one a market kept whole), households log-normal, seed 7; "
        f"target {target.households_min}–{target.households_max} households a grid; "
        f"{proposal.units} lattice units.\n",
        "| division | grids | households min | max | std | CV | within target | in pieces | compactness | time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, b, pieces, seconds in rows:
        lines.append(
            f"| {name} | {b['grids']} | {h(b)['min']:.0f} | {h(b)['max']:.0f} | {h(b)['std']:.1f} | {h(b)['cv']:.3f} "
            f"| {b['within_target']} | {pieces} | {b['compactness']['mean']:.2f} "
            f"| {'' if seconds is None else f'{seconds:.2f}'} |"
        )
    lines.append(f"\nThe wizard's proposal accepted into a draft: {len(problems)} topology problems.\n")
    if district:
        d = district
        lines += [
            "| district grids | communities | new grids | re-divided in (s) | slowest community (s) | check (s) "
            "| problems | mean CV of households, before → after |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {d['grids']:,} | {d['communities']} | {d['new_grids']:,} | {d['seconds']:.1f} | {d['slowest']:.2f} "
            f"| {d['check_s']:.1f} | {d['problems']} | {d['cv_before']:.3f} → {d['cv_after']:.3f} |",
            "",
        ]
    record("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=5000, help="the district's grids (0: the community only)")
    parser.add_argument("--min", type=int, default=300)
    parser.add_argument("--max", type=int, default=500)
    args = parser.parse_args()
    setup_django()
    load_before = os.getloadavg()[0]
    from redivision.wizard import Target

    target = Target.of(households_min=args.min, households_max=args.max)
    rows, proposal, problems = community_bench(target)
    district = district_bench(args.grids, target) if args.grids else None
    report(target, rows, proposal, problems, district, load_before)


if __name__ == "__main__":
    main()
