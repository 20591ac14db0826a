#!/usr/bin/env bash
# `make test` as a newcomer runs it: in a minimal Debian 12 (debootstrap --variant=minbase bookworm)
# with only python3, git, make and curl added, on a clean clone of this checkout's HEAD.
#
#   scripts/fresh-debian.sh            build the system in /var/tmp/govgrid-fresh-debian, run make test
#   scripts/fresh-debian.sh DIR        the same in DIR (made anew: anything in it is removed first)
#   KEEP=1 scripts/fresh-debian.sh     leave the system in place afterwards, to look around in it
#
# Needs root (debootstrap, chroot, mounts) and Debian's package mirror. The chroot shares this
# machine's network: its PostgreSQL listens on 127.0.0.1:54339 (GOVGRID_PG_PORT), beside a cluster
# of this checkout on 54329. Certificates added to this machine's trust store
# (/usr/local/share/ca-certificates) are added to the chroot's, so a network that inspects TLS works
# there as here. The log is written to DIR.log as well as to the terminal; the exit status is make test's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${1:-/var/tmp/govgrid-fresh-debian}
MIRROR=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

say() { printf '\033[1m[fresh-debian]\033[0m %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

unmount_all() {
  for m in dev/pts dev proc sys; do
    mountpoint -q "$DIR/$m" && umount -l "$DIR/$m" || true
  done
}
cleanup() {
  # The chroot's own PostgreSQL and anything else still running inside it end here.
  if [ -x "$DIR/usr/bin/python3" ]; then
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$DIR" ] && kill -9 "$pid" 2>/dev/null || true
    done
  fi
  unmount_all
  [ "${KEEP:-0}" = 1 ] || rm -rf --one-file-system "$DIR"
}
trap cleanup EXIT

command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
unmount_all
rm -rf --one-file-system "$DIR"
say "debootstrap --variant=minbase bookworm $DIR $MIRROR"
debootstrap --variant=minbase bookworm "$DIR" "$MIRROR" >"$DIR.debootstrap.log" 2>&1 \
  || { tail -20 "$DIR.debootstrap.log"; exit 1; }

mount -t proc proc "$DIR/proc"
mount --bind /dev "$DIR/dev"
mount --bind /dev/pts "$DIR/dev/pts"
mount -t sysfs sysfs "$DIR/sys"
cp /etc/resolv.conf "$DIR/etc/resolv.conf"
# As a Debian 12 installation has them: the release, its updates and its security updates.
SECURITY=${DEBIAN_SECURITY_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep security | head -1)}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}
cat > "$DIR/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
EOF
# Services that packages start on installation stay down: only what govgrid starts runs.
printf '#!/bin/sh\nexit 101\n' > "$DIR/usr/sbin/policy-rc.d"
chmod +x "$DIR/usr/sbin/policy-rc.d"

# pip trusts its own certificate list unless told otherwise: with certificates added here, it is
# pointed at the system's list, which then holds them.
PIP_CERT_LINE=""
ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1 && PIP_CERT_LINE="PIP_CERT=/etc/ssl/certs/ca-certificates.crt"
in_chroot() { chroot "$DIR" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 CI=true GOVGRID_PG_PORT=54339 $PIP_CERT_LINE "$@"; }

say "adding python3, git, make, curl (a newcomer's starting point)"
in_chroot apt-get update -qq
in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 git make curl ca-certificates >/dev/null
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$DIR/usr/local/share/ca-certificates/"
  in_chroot update-ca-certificates >/dev/null
fi

say "cloning $(git rev-parse --short HEAD) into /root/govgrid"
git clone -q "$ROOT" "$DIR/root/govgrid"

say "make test"
set +e
in_chroot bash -c 'cd /root/govgrid && make test' 2>&1 | tee "$DIR.log"
status=${PIPESTATUS[0]}
set -e
say "make test exited with $status (log: $DIR.log)"
exit "$status"
