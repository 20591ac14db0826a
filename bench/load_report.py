"""The load test's report: the table per page or endpoint, the machine's and PostgreSQL's lines, the
failures, and each page's growth from demo to 50k against the last recorded run at the other size
served alike (var/load/last-<size>-<workers>x<threads>.json). The entry, with the command that made
it, goes to bench/results.md.
"""

import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import load_city

ROOT = load_city.ROOT


def without_password(text):
    """`text` with the password of every URL in it replaced (the command and the log are kept)."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1[redacted]@", text)


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(round(q / 100 * (len(sorted_values) - 1))))]


def page_rows(result):
    """{label: {requests, rate, p50, p95, p99, max, errors}} (milliseconds) of one run."""
    recorder, rows = result["recorder"], {}
    for label in sorted(set(recorder.times) | set(recorder.errors)):
        times = sorted(recorder.times.get(label, []))
        errors = recorder.errors.get(label, 0)
        rows[label] = {
            "requests": len(times) + errors,
            "rate": (len(times) + errors) / result["seconds"],
            **{f"p{q}": percentile(times, q) * 1000 if times else None for q in (50, 95, 99)},
            "max": times[-1] * 1000 if times else None,
            "errors": errors,
            "statuses": {str(k): v for k, v in recorder.statuses[label].items()},
        }
    return rows


def ms(value):
    if value is None:
        return "–"  # no request of the page answered as it should
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def table(rows, other, seconds, size):
    """The per-page table; with the other size's last run, a last column: p95 at 50k over p95 on
    the demo, whichever of the two this run is (the growth from demo to 50k)."""
    head = "| page or endpoint | requests | req/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | errors |"
    lines = [head + (" p95 50k / demo |" if other else ""), "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines[1] += "---:|" if other else ""
    for label, r in rows.items():
        line = (
            f"| {label} | {r['requests']:,} | {r['rate']:.2f} | {ms(r['p50'])} | {ms(r['p95'])} | {ms(r['p99'])} "
            f"| {ms(r['max'])} | {r['errors']} |"
        )
        if other:
            theirs = other["rows"].get(label, {}).get("p95")
            big, small = (r["p95"], theirs) if size == "50k" else (theirs, r["p95"])
            line += f" {big / small:.1f}× |" if big and small else " |"
        lines.append(line)
    requests, errors = sum(r["requests"] for r in rows.values()), sum(r["errors"] for r in rows.values())
    lines.append(f"| all | {requests:,} | {requests / seconds:.2f} | | | | | {errors} |" + (" |" if other else ""))
    return lines


def machine_lines(result):
    cpu, db = result["cpu"], result["database"]
    lines = [
        f"CPU, cores busy on average (of {os.cpu_count()}): machine {cpu['machine']:.2f} ({cpu['machine share']:.0%}, "
        f"everyone's work on the machine), server (nginx, gunicorn, worker) {cpu['server']:.2f}, PostgreSQL backends "
        f"of the city's database {cpu['PostgreSQL']:.2f}"
        + (f", its replica's {cpu['PostgreSQL replica']:.2f}" if "PostgreSQL replica" in cpu else "")
        + f", load generator {cpu['load generator']:.2f}; load average "
        f"{result['load average'][0]:.1f} at the start, {result['load average'][1]:.1f} at the end.",
        f"PostgreSQL, the city's database, per second: {db['xact_commit']:,.0f} transactions committed, "
        f"{db['xact_rollback']:,.1f} rolled back; table scans {db['scans']:,.0f}; rows returned "
        f"{db['tup_returned']:,.0f}, fetched "
        f"{db['tup_fetched']:,.0f}, inserted {db['tup_inserted']:,.1f}, updated {db['tup_updated']:,.1f}; blocks hit "
        f"{db['blks_hit']:,.0f}, read {db['blks_read']:,.0f}; "
        + (
            f"statements (pg_stat_statements) {db['statements']:,.0f}."
            if "statements" in db
            else "statements: pg_stat_statements is not loaded on this cluster (shared_preload_libraries)."
        ),
    ]
    return lines


# The counts set side by side when a run had a replica: (label, how a count is read from the rates).
SERVER_COUNTS = (
    ("statements (pg_stat_statements)", lambda db: db.get("statements")),
    ("transactions committed", lambda db: db["xact_commit"]),
    ("scans of the city's tables", lambda db: db["scans"]),
    ("rows returned and fetched", lambda db: db["tup_returned"] + db["tup_fetched"]),
    ("rows inserted, updated, deleted", lambda db: db["tup_inserted"] + db["tup_updated"] + db["tup_deleted"]),
)


def replica_lines(results):
    """With a replica: the primary's counts per second without and with it, and the replica's own,
    so that the reads it took off the primary show (the runs are alike but for the replica)."""
    runs = dict(results)
    if runs.get("with a replica", {}).get("replica database") is None:
        return []
    columns = (
        runs["without a replica"]["database"],
        runs["with a replica"]["database"],
        runs["with a replica"]["replica database"],
    )
    lines = [
        "\nWhich server did the work, per second of the measured windows:\n",
        "| count, per second | primary, without a replica | primary, with a replica | replica |",
        "|---|---:|---:|---:|",
    ]
    for label, count in SERVER_COUNTS:
        values = [count(db) for db in columns]
        if any(v is None for v in values):
            continue  # pg_stat_statements not loaded: the other counts say it
        lines.append(f"| {label} | " + " | ".join(f"{v:,.1f}" for v in values) + " |")
    return lines


def failure_lines(result):
    lines = []
    failures = [f for f in result["recorder"].failures if f.label != "probe"]
    if failures:
        by_kind = {}
        for f in failures:
            by_kind.setdefault((f.label, f.status, f.detail[:120].replace("\n", " ")), 0)
            by_kind[(f.label, f.status, f.detail[:120].replace("\n", " "))] += 1
        lines.append(
            "Failed requests (warm-up included): "
            + "; ".join(
                f"{label}: {n} × {status or 'no answer'} ({detail})" for (label, status, detail), n in by_kind.items()
            )
        )
    for block, n in result["tracebacks"]:
        lines.append(f"Server traceback, {n} time(s): `{block.splitlines()[-1]}`")
    return lines


def last_run_path(size, args):
    """Where the last recorded run of this size and server layout is kept: only runs served alike
    are set against each other."""
    return ROOT / "var" / "load" / f"last-{size}-{args.workers}x{args.threads}.json"


def report(args, facts, results):
    other_size = next(s for s in load_city.SIZES if s != args.size)
    other_path = last_run_path(other_size, args)
    other = json.loads(other_path.read_text()) if other_path.exists() else None
    first = results[0][1]
    users = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in first["users"].items())
    lines = [
        f"\n## load, {args.size} city, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores; "
        f"{facts['grids']:,} grids, {facts['cases']:,} cases, {facts['people']:,} people; nginx → gunicorn "
        f"{args.workers} workers × {args.threads} threads; {args.users} users ({users}), {args.warmup:.0f} s warm-up, "
        f"{args.duration:.0f} s measured" + (f"; run with nice {os.nice(0)}" if os.nice(0) else ""),
        f"`{without_password(' '.join(['.venv/bin/python bench/load.py', *sys.argv[1:]]))}`\n",
    ]
    for name, result in results:
        rows = page_rows(result)
        if name:
            lines.append(f"\n{name}:\n")
        lines += table(rows, other, result["seconds"], args.size)
        lines += ["", *machine_lines(result), *failure_lines(result)]
    lines += replica_lines(results)
    if other:
        lines.append(f"\nGrowth: against the {other['size']} city's run of {other['at']} (`{other['command']}`).")
    text = "\n".join(lines) + "\n"
    saved = {
        "size": args.size,
        "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "command": without_password(" ".join(["bench/load.py", *sys.argv[1:]])),
        "rows": page_rows(results[0][1]),
    }
    if not args.no_record:  # a trial run is not the figure the other size is set against
        last_run_path(args.size, args).parent.mkdir(parents=True, exist_ok=True)
        last_run_path(args.size, args).write_text(json.dumps(saved, indent=1, ensure_ascii=False))
    for _name, result in results:
        if result["tracebacks"]:
            path = Path(result["log"]).with_name(f"errors-{datetime.now(UTC):%Y%m%dT%H%M}.txt")
            path.write_text("\n\n".join(f"{n} time(s):\n{block}" for block, n in result["tracebacks"]))
            print(f"server tracebacks: {path}")
    if args.no_record:
        print(text)
        return
    from areas import record

    record(text)
