#!/usr/bin/env bash
# The project-local PostgreSQL cluster: scripts/pg.sh start | stop | status | createdb | psql
# Data directory: .pgdata (git-ignored). initdb refuses to run as root, so when invoked as root the
# cluster belongs to the `postgres` system user; if that user cannot reach this checkout (a private
# temporary directory, say), the data lives under /var/lib/postgresql/govgrid/ and .pgdata links to it.
# It listens on 127.0.0.1 only, on GOVGRID_PG_PORT (default 54329), with no Unix socket, and asks
# for the password kept in var/db_password (made here, readable by its owner only).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${GOVGRID_PG_PORT:-54329}
PGBIN=${GOVGRID_PG_BIN:-/usr/lib/postgresql/15/bin}
DB=${GOVGRID_DB_NAME:-govgrid}
USER_NAME=govgrid

as_owner() {
  # From / so the postgres user is not left in a directory it may not enter.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

data_dir() {
  if [ -L .pgdata ] || [ -d .pgdata ]; then readlink -f .pgdata; return; fi
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$ROOT"; then
    local d="/var/lib/postgresql/govgrid/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    mkdir -p "$d"; chown postgres:postgres "$d" "$(dirname "$d")"; chmod 700 "$d"
    ln -s "$d" .pgdata
  else
    mkdir -p .pgdata
    [ "$(id -u)" = 0 ] && chown postgres:postgres .pgdata
    chmod 700 .pgdata
  fi
  readlink -f .pgdata
}

password() {
  if [ ! -s var/db_password ]; then
    mkdir -p var
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' > var/db_password)
  fi
  cat var/db_password
}

psql_q() { PGPASSWORD=$(password) "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -v ON_ERROR_STOP=1 -qtA "$@"; }

# The password is also kept beside the cluster (readable by its owner only), for a later checkout in
# the same place, whose var/ starts empty.
remember_password() {
  as_owner sh -c 'umask 077 && cat > "$1"' sh "$1/govgrid_password" < var/db_password
}

start() {
  local d; d=$(data_dir)
  if [ ! -s "$d/PG_VERSION" ]; then
    echo "[pg] initialising a cluster in $d"
    local pwfile; pwfile=$(mktemp)
    password > "$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
    as_owner "$PGBIN/initdb" -D "$d" -U "$USER_NAME" --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 \
      --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    remember_password "$d"
    cat >> "$d/postgresql.conf" <<CONF
# govgrid: loopback only, a port of its own, no Unix socket
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
fsync = ${GOVGRID_PG_FSYNC:-on}
# Streaming replicas (scripts/standby.sh): WAL a standby can replay, senders and slots for a few of
# them (PostgreSQL 15's defaults, written down because standby.sh relies on them). Statement counts
# (pg_stat_statements) show which server answered what: the replicas' test and the bench read them.
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
shared_preload_libraries = 'pg_stat_statements'
CONF
    # Password logins over loopback only: the project's user, and its streaming replication (a
    # standby from scripts/standby.sh); there is no Unix socket.
    cat > "$d/pg_hba.conf" <<HBA
# TYPE  DATABASE     USER     ADDRESS        METHOD
host    all          all      127.0.0.1/32   scram-sha-256
host    replication  $USER_NAME  127.0.0.1/32   scram-sha-256
HBA
  elif [ -s "$d/govgrid_password" ]; then
    # A cluster made by an earlier checkout in this place (a clean clone where the last one was):
    # its password, not a new one it would refuse.
    mkdir -p var
    (umask 077 && as_owner cat "$d/govgrid_password" > var/db_password)
  elif [ -s var/db_password ]; then
    remember_password "$d"
  fi
  if as_owner "$PGBIN/pg_ctl" -D "$d" status >/dev/null 2>&1; then return; fi
  echo "[pg] starting on 127.0.0.1:$PORT"
  if ! as_owner "$PGBIN/pg_ctl" -D "$d" -l "$d/server.log" -w -o "-p $PORT" start >/dev/null; then
    tail -n 20 "$d/server.log" >&2
    echo "[pg] could not start; is port $PORT taken? set GOVGRID_PG_PORT" >&2
    exit 1
  fi
}

stop() {
  local d; d=$(data_dir)
  as_owner "$PGBIN/pg_ctl" -D "$d" status >/dev/null 2>&1 && as_owner "$PGBIN/pg_ctl" -D "$d" -w -m fast stop
  return 0
}

createdb() {
  if [ "$(psql_q -d postgres -v db="$DB" <<< "select 1 from pg_database where datname = :'db'")" != 1 ]; then
    echo "[pg] creating database $DB"
    psql_q -d postgres -v db="$DB" <<< 'create database :"db"'
  fi
  psql_q -d "$DB" -c "set client_min_messages = warning; create extension if not exists postgis"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_owner "$PGBIN/pg_ctl" -D "$(data_dir)" status ;;
  createdb) createdb ;;
  psql) shift; PGPASSWORD=$(password) exec "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d "$DB" "$@" ;;
  *) echo "usage: $0 start|stop|status|createdb|psql" >&2; exit 2 ;;
esac
