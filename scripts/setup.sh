#!/usr/bin/env bash
# Brings a machine to the point where govgrid runs: Debian packages, the virtual environment, a
# project-local PostgreSQL/PostGIS cluster (unless DATABASE_URL names a server), migrations and
# static files. Every step checks before it acts, so a second run takes seconds.
#   scripts/setup.sh          what `make run` needs
#   scripts/setup.sh --test   also what the browser tests need (Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WANT_TEST=0
[ "${1:-}" = "--test" ] && WANT_TEST=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ---------------------------------------------------------------------------
# nginx buffers slow clients in front of gunicorn (`make run`, scripts/serve.sh). The QR code
# posters (residents/posters.py) draw their Chinese with Noto Sans CJK, and their tests open the
# PDF with poppler's pdftoppm.
packages="postgresql-15-postgis-3 postgresql-client-15 gdal-bin gettext python3-venv nginx fonts-noto-cjk poppler-utils"
# The browser tests: Debian's Chromium (its CJK fonts are above), and the libraries that
# Playwright's bundled driver (a Node.js binary) links against; a minimal Debian has no libatomic1
# (`ldd` on .venv/lib/python3.11/site-packages/playwright/driver/node lists them).
[ $WANT_TEST = 1 ] && packages="$packages chromium libatomic1 libstdc++6"
# The tests run govgrid through PgBouncer in transaction mode (tests/govgrid/test_pgbouncer.py),
# starting their own on a free loopback port.
[ $WANT_TEST = 1 ] && packages="$packages pgbouncer"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  say "installing Debian packages:$missing"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    die "need root (or sudo) to install:$missing"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # Debian starts the pgbouncer it installs as a service on port 6432; the tests start their own.
  case " $missing " in *" pgbouncer "*)
    if [ -d /run/systemd/system ]; then $SUDO systemctl disable --now pgbouncer >/dev/null 2>&1 || true; fi ;;
  esac
fi

# --- Python virtual environment ------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
req_sum=$(sha256sum requirements.txt | cut -c1-64)
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$req_sum" ]; then
  say "installing Python packages from requirements.txt"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$req_sum" > .venv/.requirements.sha256
fi

mkdir -p var
if [ -z "${GOVGRID_SECRET_KEY:-}" ] && [ ! -s var/secret_key ]; then
  .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  chmod 600 var/secret_key
fi

# --- PostgreSQL + PostGIS --------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  scripts/pg.sh start
  scripts/pg.sh createdb
else
  say "using the server named by DATABASE_URL"
fi

# --- Django ----------------------------------------------------------------------------------------
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
say "ready"
