#!/usr/bin/env bash
# Serves govgrid the way `make run` does, and stops it all together:
#   nginx on BIND (default 127.0.0.1:8000), buffering requests and answers for slow clients;
#   gunicorn on BACKEND_BIND (default 127.0.0.1:8001), WORKERS workers (default 3) of THREADS
#   threads each (default 4; THREADS=1 for sync workers);
#   the worker, `manage.py run_worker --every SWEEP_EVERY` (seconds, default 60): the overdue sweep,
#   the deadline reminders, and the notifications' deliveries every 2 seconds.
# When one of the three ends, or on Ctrl-C / SIGTERM, the others are stopped and the script exits.
# Used by the Makefile (`make run`) and by tests/govgrid/test_serve.py.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIND=${BIND:-127.0.0.1:8000}
BACKEND_BIND=${BACKEND_BIND:-127.0.0.1:8001}
WORKERS=${WORKERS:-3}
# Threads (gunicorn's gthread workers): a request waiting on PostgreSQL (a dashboard of seconds on a
# big city) holds one thread, not a whole worker, so a phone's report is not queued behind it. The
# load test at 50,000 grids: a report's p95 4.8 s with 2 workers × 4 threads, 17 s with 3 sync workers.
THREADS=${THREADS:-4}
SWEEP_EVERY=${SWEEP_EVERY:-60}
PY=${PY:-.venv/bin/python}
NGINX=${NGINX:-/usr/sbin/nginx}

say() { printf '\033[1m[serve]\033[0m %s\n' "$*" >&2; }

# nginx's own files (configuration, pid, temporary bodies). As root its workers run as www-data,
# which must be able to reach them, so they live under /var/lib/govgrid-nginx/ then.
if [ "$(id -u)" = 0 ]; then
  PREFIX="/var/lib/govgrid-nginx/$(printf '%s:%s' "$ROOT" "$BIND" | sha256sum | cut -c1-12)"
  USER_LINE="user www-data;"
else
  PREFIX="$ROOT/var/nginx/$(printf '%s' "$BIND" | tr -c 'a-zA-Z0-9\n' '_')"
  USER_LINE=""
fi
mkdir -p "$PREFIX"
max_body=$($PY -c 'import django; from django.conf import settings as s; django.setup(); print(s.PHOTO_MAX_COUNT * s.PHOTO_MAX_BYTES + s.DATA_UPLOAD_MAX_MEMORY_SIZE + 1048576)' 2>/dev/null || echo 134217728)
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER_LINE@|$USER_LINE|" -e "s|@BIND@|$BIND|" \
    -e "s|@BACKEND@|$BACKEND_BIND|" -e "s|@MAX_BODY@|$max_body|" scripts/nginx.conf.in > "$PREFIX/nginx.conf"
"$NGINX" -t -q -p "$PREFIX" -c "$PREFIX/nginx.conf"

pids=()
stop_all() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# The client's address comes from nginx's X-Real-IP header, and only because nginx sets it.
export PYTHONUNBUFFERED=1
export GOVGRID_TRUSTED_PROXY_HEADER=${GOVGRID_TRUSTED_PROXY_HEADER:-X-Real-IP}

$PY -m gunicorn govgrid.wsgi -c govgrid/gunicorn_conf.py --bind "$BACKEND_BIND" --workers "$WORKERS" \
  --threads "$THREADS" --timeout 120 --no-control-socket &
pids+=($!)
$PY manage.py run_worker --every "$SWEEP_EVERY" &
pids+=($!)
"$NGINX" -p "$PREFIX" -c "$PREFIX/nginx.conf" &
pids+=($!)
say "govgrid: http://$BIND/ (nginx) → gunicorn $BACKEND_BIND, $WORKERS workers × $THREADS threads; overdue sweep every ${SWEEP_EVERY}s"

# The first of the three to end ends the others.
set +e
wait -n
status=$?
say "a process ended (status $status); stopping the others"
exit "$status"
