"""Benchmark: exporting a million incidents, against ogr2ogr and a naive djangorestframework-gis endpoint.

    BENCH_DATABASE_URL=postgres://govgrid:<password>@127.0.0.1:54329/govgrid_bench_export \\
        .venv/bin/python bench/export.py [--cases 1000000] [--naive-cases 50000] [--no-record]

Uses the bench database (govgrid_bench, or BENCH_DATABASE_URL), migrated with bench/settings_bench.py,
with the 50,000-grid demo city (areas only; loaded once, as bench/workflow.py does) and --cases cases
made by bench/workflow.py's set-based SQL (a year of statuses and levels); one case in ten gets a
resident's name and phone, so the masking has work to do. An analyst of the district (contacts
masked) downloads, in one run, over HTTP from one gunicorn sync worker on 127.0.0.1:
- GET /api/v1/export/incidents.geojson, .geojsonl, .csv and .gpkg (govgrid);
- GET /bench/bare/incidents.geojson?limit=--naive-cases: the peer, a GeoFeatureModelSerializer
  ListAPIView over the same cases (bench/bare/views.py), timed on --naive-cases cases and
  extrapolated linearly to --cases (a whole million would hold gigabytes in the worker);
and, as processes on the same machine:
- manage.py export_geojson incidents --as-user <the analyst> to a file (govgrid's command);
- ogr2ogr -f GeoJSON from the incidents table (PG: connection to the same database).
For each: wall time, time to the first byte, peak resident memory (the gunicorn worker's VmHWM from
/proc, reset before each request through /proc/<pid>/clear_refs; a process's ru_maxrss), output
size, and the features found in the output. The export statement's EXPLAIN ANALYZE goes to
bench/export-plan.txt. Cases are removed at the end (TRUNCATE, as bench/workflow.py); the city stays.
"""

import argparse
import http.client
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from areas import ROOT, heading, record, setup_django  # noqa: E402  (sets DATABASE_URL to the bench database)
from intake import HOST, Gunicorn  # noqa: E402
from workflow import (  # noqa: E402
    DISTRICT,
    YEAR_DUE,
    YEAR_LEVEL,
    YEAR_RATING,
    YEAR_STATUS,
    ensure_city,
    execute,
    generate,
    log,
    scalar,
    truncate_cases,
)

ANALYST = "bench-export-analyst"
REQUEST_TIMEOUT_S = 1800  # a whole export is one request
MB = 1024 * 1024


# --- the data --------------------------------------------------------------------------------------


def prepare(n_cases):
    from django.utils import timezone

    truncate_cases()
    load_s = ensure_city()
    log(f"generating {n_cases:,} cases")
    gen_s = generate(n_cases, YEAR_STATUS, YEAR_LEVEL, YEAR_DUE, YEAR_RATING, timezone.now(), events=False)
    execute(
        """UPDATE incidents_incident SET contact_name = '居民' || id,
                  contact_phone = '138' || lpad((id % 100000000)::text, 8, '0')
           WHERE id % 10 = 0"""
    )
    execute("VACUUM ANALYZE incidents_incident")
    execute("DROP TABLE IF EXISTS bench_grid, bench_category")
    return load_s, gen_s


def analyst_token():
    """An analyst of the district: sees every case, handles none, so every contact is masked."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from grids.models import Area, Assignment, Person, Role

    user, _created = get_user_model().objects.get_or_create(username=ANALYST)
    person, _created = Person.objects.get_or_create(user=user, defaults={"name": "bench analyst"})
    Assignment.objects.get_or_create(person=person, role=Role.ANALYST, area=Area.objects.get(code=DISTRICT))
    return Token.objects.get_or_create(user=user)[0].key


def explain(n_cases):
    """The plan PostgreSQL ran for the export's cursor, with its actual times: auto_explain reports it
    when the cursor closes (EXPLAIN alone would plan a plain query: parallel, sorted, not fast-start)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from exports.plan import plan_export
    from grids.scopes import Scope

    export = plan_export("incidents", {}, Scope.for_user(get_user_model().objects.get(username=ANALYST)))
    sql, params = export.sql("geojson"), export.statements[0]
    settings = {
        "jit": "off",  # as govgrid's connections have it (govgrid/settings.py)
        "auto_explain.log_min_duration": "0",
        "auto_explain.log_analyze": "on",
        "auto_explain.log_buffers": "on",
        "auto_explain.log_level": "notice",
        "client_min_messages": "notice",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")  # needs a superuser, as the project-local cluster's role is
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        raw = connection.connection
        del raw.notices[:]
        named = raw.cursor(name="bench_export_plan")
        named.execute(sql, params)
        while named.fetchmany(10_000):
            pass
        named.close()
        plan = "".join(raw.notices)
    (ROOT / "bench" / "export-plan.txt").write_text(
        f"-- GeoJSON export of {n_cases:,} cases as an analyst of the district, through a server-side cursor\n"
        f"-- (DECLARE ... CURSOR WITHOUT HOLD, FETCH 10,000 at a time), reported by auto_explain\n{plan}"
    )


# --- measuring -------------------------------------------------------------------------------------


def worker_pid(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def status_kb(pid, field):
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)[1])


def reset_peak(pid):
    """Start the peak (VmHWM) afresh at the current size; False where the kernel does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def download(port, path, token, out):
    """GET path, writing the body to `out`; (wall s, first byte s, bytes)."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}: {response.read(500)!r}")
    first, size = None, 0
    with open(out, "wb") as file:
        while block := response.read1(1024 * 1024):
            if first is None:
                first = time.perf_counter() - start
            size += len(block)
            file.write(block)
    connection.close()
    return time.perf_counter() - start, first, size


def over_http(server, pid, path, token, out):
    reset = reset_peak(pid)
    before = status_kb(pid, "VmRSS")
    wall, first, size = download(server.port, path, token, out)
    return {
        "wall": wall,
        "first": first,
        "bytes": size,
        "peak_mb": status_kb(pid, "VmHWM") / 1024,
        "before_mb": before / 1024,
        "peak_since_start": not reset,
    }


def as_process(command, out, env=None, first_byte_of=None):
    """Run a command to completion: wall s, peak RSS (ru_maxrss), and when its output file first
    had bytes (polled every 10 ms)."""
    start = time.perf_counter()
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    first = None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if first is None and first_byte_of and os.path.exists(first_byte_of) and os.path.getsize(first_byte_of):
            first = time.perf_counter() - start
        time.sleep(0.01)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        errors.seek(0)
        raise RuntimeError(f"{command[0]} failed: {errors.read().decode(errors='replace')[-2000:]}")
    errors.close()
    return {"wall": wall, "first": first, "bytes": os.path.getsize(out), "peak_mb": usage.ru_maxrss / 1024}


def count_features(path, fmt):
    """Features in an output, read back cheaply: our GeoJSON and ogr2ogr's have one Feature a line."""
    if fmt == "gpkg":
        with sqlite3.connect(path) as db:
            return db.execute("SELECT count(*) FROM incidents").fetchone()[0]
    with open(path, "rb") as file:
        if fmt == "csv":
            return sum(1 for _line in file) - 1  # the header (no description has a line break)
        return sum(1 for line in file if line.lstrip().startswith((b'{"type":"Feature"', b'{ "type": "Feature"')))


# --- the run ---------------------------------------------------------------------------------------


def best_of(repeat, measure):
    """`measure()` `repeat` times: the fastest run's figures, with the highest peak memory of all
    (the machine is shared: other work only ever slows a run down)."""
    results = [measure() for _ in range(repeat)]
    best = min(results, key=lambda r: r["wall"])
    return best | {"peak_mb": max(r["peak_mb"] for r in results), "walls": [r["wall"] for r in results]}


def run(args, token, tmp):
    from django.db import connection

    n = scalar("SELECT count(*) FROM incidents_incident")
    rows = []

    def download_and_count(path, fmt, out):
        result = over_http(server, pid, path, token, out)
        result["n"] = count_features(out, fmt) if fmt else out.read_bytes().count(b'"type":"Feature",')
        out.unlink()
        return result

    def process_and_count(command, out, env, first_byte_of):
        result = as_process(command, out, env=env, first_byte_of=first_byte_of)
        result["n"] = count_features(out, "geojson")
        out.unlink()
        return result

    server = Gunicorn(workers=1, timeout=REQUEST_TIMEOUT_S)
    server.start()
    try:
        pid = worker_pid(server.process.pid)
        for fmt in ("geojson", "geojsonl", "csv", "gpkg"):
            log(f"govgrid {fmt} over HTTP")
            path, out = f"/api/v1/export/incidents.{fmt}", tmp / f"govgrid.{fmt}"
            result = best_of(args.repeat, lambda path=path, fmt=fmt, out=out: download_and_count(path, fmt, out))
            rows.append({"what": f"govgrid {fmt}, HTTP", "fmt": fmt, **result})
        log(f"naive djangorestframework-gis endpoint, {args.naive_cases:,} cases")
        path = f"/bench/bare/incidents.geojson?limit={args.naive_cases}"
        naive = best_of(args.repeat, lambda: download_and_count(path, None, tmp / "naive.geojson"))
    finally:
        server.stop()
        server.remove_log()

    log("export_geojson command")
    out = tmp / "command.geojson"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govgrid.settings"}
    command = [sys.executable, "manage.py", "export_geojson", "incidents", "--as-user", ANALYST, "-o", str(out)]
    result = best_of(args.repeat, lambda: process_and_count(command, out, env, f"{out}.part"))
    rows.append({"what": "govgrid export_geojson command, file", "fmt": "geojson", **result})

    log("ogr2ogr -f GeoJSON")
    db = connection.settings_dict
    out = tmp / "ogr2ogr.geojson"
    pg = f"PG:host={db['HOST']} port={db['PORT']} dbname={db['NAME']} user={db['USER']} tables=incidents_incident"
    command = ["ogr2ogr", "-f", "GeoJSON", str(out), pg]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"]}
    result = best_of(args.repeat, lambda: process_and_count(command, out, env, str(out)))
    rows.append({"what": "ogr2ogr -f GeoJSON from the table", "fmt": "geojson", **result})

    rows.append(
        {
            "what": f"naive DRF-gis ListAPIView, {args.naive_cases:,} measured, extrapolated",
            "fmt": "geojson",
            "n": naive["n"],
            "wall": naive["wall"] / args.naive_cases * n,
            "first": naive["first"],
            "bytes": naive["bytes"] / args.naive_cases * n,
            "peak_mb": naive["peak_mb"],
            "measured_wall": naive["wall"],
            "walls": naive["walls"],
        }
    )
    return n, rows


def table(n, rows, load_s, gen_s, loads, repeat):
    govgrid = rows[0]["wall"]
    ogr = next(r for r in rows if r["what"].startswith("ogr2ogr"))
    naive = rows[-1]
    lines = [
        *heading("export", "export.py"),
        f"| export of {n:,} incidents | wall (s), best of {repeat} | runs (s) | first byte (s) | features/s "
        "| peak RSS (MB) | output (MB) | features in the output | govgrid GeoJSON is |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        first = f"{r['first']:.2f}" if r.get("first") is not None else ""
        runs = ", ".join(f"{wall:.1f}" for wall in r["walls"])
        if r is rows[0]:
            ratio = ""
        elif r["wall"] > govgrid:
            ratio = f"{r['wall'] / govgrid:.1f}× faster"
        else:
            ratio = f"{govgrid / r['wall']:.1f}× slower"
        lines.append(
            f"| {r['what']} | {r['wall']:.1f} | {runs} | {first} | {n / r['wall']:,.0f} | {r['peak_mb']:.0f} "
            f"| {r['bytes'] / MB:,.0f} | {r['n']:,} | {ratio} |"
        )
    http_rows = [r for r in rows if "HTTP" in r["what"]]
    sizes = ", ".join(format(r["before_mb"], ".0f") for r in http_rows)
    lines += [
        "",
        f"govgrid GeoJSON: {ogr['wall'] / govgrid:.1f}× ogr2ogr's speed, {naive['wall'] / govgrid:.0f}× the naive "
        f"endpoint's. The naive endpoint's runs are for {naive['n']:,} features (its column 'runs'), extrapolated "
        f"linearly to {n:,}; it peaked at {naive['peak_mb']:.0f} MB and grows with the cases it holds. Peak RSS "
        f"of HTTP rows is the gunicorn worker's, {sizes} MB before each govgrid download (geojson, geojsonl, "
        f"csv, gpkg). Load average {loads[0]:.1f} before, {loads[1]:.1f} after. {gen_s:.0f} s to generate the cases"
        + (f", {load_s:.0f} s to load the city" if load_s else "")
        + ". The cursor's plan: bench/export-plan.txt.",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--naive-cases", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each export; the fastest is reported")
    parser.add_argument("--no-record", action="store_true", help="print the table without appending it")
    args = parser.parse_args()
    if urlsplit(os.environ["DATABASE_URL"]).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("the bench serves and measures on this machine: use a local database")
    setup_django()
    load_s, gen_s = prepare(args.cases)
    token = analyst_token()
    if not args.no_record:  # the plan file goes with the recorded figures
        explain(args.cases)
    load_before = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="govgrid-bench-export-") as tmp:
            n, rows = run(args, token, Path(tmp))
    finally:
        truncate_cases()
    text = table(n, rows, load_s, gen_s, (load_before, os.getloadavg()[0]), args.repeat)
    if args.no_record:
        print(text)
    else:
        record(text)


if __name__ == "__main__":
    main()
