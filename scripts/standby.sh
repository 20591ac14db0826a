#!/usr/bin/env bash
# A hot standby of the project-local cluster (scripts/pg.sh), on loopback, by PostgreSQL's own
# streaming replication: scripts/standby.sh start | stop | remove | status
#   start   copies the primary with pg_basebackup -R (a replication slot of its own, so the primary
#           keeps the WAL the standby has not received yet), then starts it read-only (hot standby);
#           a standby already made is only started again
#   stop    stops it (its data and slot stay: start catches up from where it was)
#   remove  stops it, drops its slot on the primary and deletes its data
# The primary is 127.0.0.1:GOVGRID_PG_PORT (default 54329) with the password in var/db_password;
# the standby listens on 127.0.0.1:GOVGRID_STANDBY_PORT (default 54330). Its data lives in
# var/standby-PORT/, or, when run as root, under /var/lib/postgresql/govgrid/ (owned by postgres).
# govgrid reads from it when GOVGRID_DATABASE_REPLICA_URLS names it, e.g.
#   postgres://govgrid:PASSWORD@127.0.0.1:54330/govgrid
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${GOVGRID_PG_PORT:-54329}
STANDBY_PORT=${GOVGRID_STANDBY_PORT:-54330}
PGBIN=${GOVGRID_PG_BIN:-/usr/lib/postgresql/15/bin}
USER_NAME=govgrid
SLOT="govgrid_standby_$STANDBY_PORT"

say() { printf '[standby] %s\n' "$*" >&2; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

data_dir() {
  if [ "$(id -u)" = 0 ]; then
    echo "/var/lib/postgresql/govgrid/standby-$(printf '%s:%s' "$ROOT" "$STANDBY_PORT" | sha256sum | cut -c1-12)"
  else
    echo "$ROOT/var/standby-$STANDBY_PORT"
  fi
}

password() {
  [ -s var/db_password ] || { say "no var/db_password: start the primary first (scripts/pg.sh start)"; exit 1; }
  cat var/db_password
}

on_primary() {
  PGPASSWORD=$(password) "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

drop_slot() {
  on_primary -v slot="$SLOT" <<'SQL' >/dev/null
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :'slot' AND NOT active;
SQL
}

running() { as_owner "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

make_copy() {
  local d=$1
  say "copying the primary 127.0.0.1:$PORT into $d (slot $SLOT)"
  mkdir -p "$(dirname "$d")"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$(dirname "$d")"
  drop_slot  # a slot left by a standby removed by hand
  # -R writes primary_conninfo (with the password, in a file readable by its owner only) and the
  # slot into postgresql.auto.conf and makes standby.signal; -X stream copies the WAL written meanwhile.
  as_owner env PGPASSWORD="$(password)" "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" \
    -D "$d" -R -X stream -C -S "$SLOT" --checkpoint=fast
  as_owner sh -c 'cat >> "$1/postgresql.conf"' sh "$d" <<CONF
# govgrid standby: its own port; queries while it replays. hot_standby_feedback: the primary keeps
# the rows a long read here (an export) still needs, instead of the standby cancelling that read.
port = $STANDBY_PORT
hot_standby = on
hot_standby_feedback = on
CONF
}

start() {
  local d; d=$(data_dir)
  if [ ! -e "$d/PG_VERSION" ]; then make_copy "$d"; fi
  if running "$d"; then return; fi
  say "starting on 127.0.0.1:$STANDBY_PORT, streaming from 127.0.0.1:$PORT"
  if ! as_owner "$PGBIN/pg_ctl" -D "$d" -l "$d/standby.log" -w -o "-p $STANDBY_PORT" start >/dev/null; then
    tail -n 20 "$d/standby.log" >&2
    say "could not start; is port $STANDBY_PORT taken? set GOVGRID_STANDBY_PORT"
    exit 1
  fi
}

stop() {
  local d; d=$(data_dir)
  if [ -e "$d/PG_VERSION" ] && running "$d"; then as_owner "$PGBIN/pg_ctl" -D "$d" -w -m fast stop >/dev/null; fi
  return 0
}

remove() {
  stop
  drop_slot
  local d; d=$(data_dir)
  [ -e "$d" ] && say "removing $d"
  rm -rf "$d"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  remove) remove ;;
  status) as_owner "$PGBIN/pg_ctl" -D "$(data_dir)" status ;;
  *) echo "usage: $0 start|stop|remove|status" >&2; exit 2 ;;
esac
