"""PostgreSQL's own programs (pg_dump, pg_restore) run for a Django database: the backups and the
archive of old months of cases call them alike."""

import os
import shutil
import subprocess
from pathlib import Path

from django.utils.translation import gettext as _


class ToolError(Exception):
    """A program that is missing or failed; the message says why, for the person running it."""


def pg_env(db):
    """The environment that points libpq's programs at the Django database settings `db`."""
    return dict(
        os.environ,
        PGPASSWORD=db["PASSWORD"] or "",
        PGHOST=db["HOST"] or "127.0.0.1",
        PGPORT=str(db["PORT"] or 5432),
        PGUSER=db["USER"] or "",
        PGDATABASE=db["NAME"],
    )


def pg_tool(name):
    """pg_dump / pg_restore of the server's major version (Debian's wrappers pick it by the cluster;
    the project's own cluster is PostgreSQL 15)."""
    for candidate in (f"/usr/lib/postgresql/15/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ToolError(_("%(name)s is not installed (Debian package postgresql-client-15)") % {"name": name})


def run_tool(command, env):
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ToolError(f"{Path(command[0]).name}: {done.stderr.strip()[-2000:]}")
