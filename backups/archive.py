"""Backups: the database and the photos in one archive, restored together into an empty database.

An archive is one tar file, `govgrid-YYYYMMDD-HHMMSS.tar`:

| member          | what                                                                  |
|-----------------|-----------------------------------------------------------------------|
| `manifest.json` | when it was made, and the counts that a restore must find again       |
| `database.dump` | `pg_dump --format=custom` of the whole database, owners left out      |
| `media/…`       | every file under MEDIA_ROOT (the cases' photos)                       |

The counts, the list of photo files and the dump read one snapshot of the database (pg_dump
--snapshot), so the manifest describes exactly what was dumped while people keep working. The photos
that snapshot names are copied after the dump (a photo's file is written before the row that names
it is committed); a file that is missing stops the backup, and a restore checks every one is in the
archive before it writes anything. A restore refuses a
database that already holds govgrid's tables, runs `pg_restore` in a single transaction (all or
nothing), puts the photos in place, and then counts cases, events, people and photos against the
manifest.
"""

import datetime as dt
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from govgrid.lib.pgtools import ToolError, pg_env, pg_tool, run_tool

# What a restore counts again: label in the manifest → table.
COUNTED = {
    "cases": "incidents_incident",
    "events": "incidents_incidentevent",
    "photos": "incidents_incidentphoto",
    "people": "grids_person",
    "areas": "grids_area",
    "users": "auth_user",
}
ARCHIVE_PREFIX = "govgrid-"


class BackupError(ToolError):
    """A backup or restore that cannot go on; the message says why, for the person running it."""


def _count(cursor):
    found = {}
    for label, table in COUNTED.items():
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # table names from COUNTED only
        found[label] = cursor.fetchone()[0]
    return found


def counts(alias="default"):
    """The manifest's counts, read from a database."""
    with connections[alias].cursor() as cursor:
        return _count(cursor)


def _dump(db, path):
    """pg_dump into `path`; returns the counts of the same snapshot."""
    import psycopg2

    holder = psycopg2.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"]
    )
    try:
        with holder.cursor() as cursor:  # the snapshot lives as long as this transaction
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            found = _count(cursor)
            cursor.execute("SELECT file FROM incidents_incidentphoto ORDER BY file")
            found["photo_files"] = [row[0] for row in cursor.fetchall()]
            run_tool(
                [
                    pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--snapshot",
                    snapshot,
                    "--file",
                    str(path),
                ],
                pg_env(db),
            )
    finally:
        holder.rollback()
        holder.close()
    return found


def make_backup(directory, keep=None, now=None):
    """Write an archive into `directory`; with `keep`, then delete all but the newest `keep`
    archives there. Returns the archive's path."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    target = directory / f"{ARCHIVE_PREFIX}{now:%Y%m%d-%H%M%S}.tar"
    db = connections["default"].settings_dict
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        work = Path(work)
        found = _dump(db, work / "database.dump")
        photo_files = found.pop("photo_files")
        missing = [name for name in photo_files if not (media_root / name).is_file()]
        if missing:
            raise BackupError(
                _("%(n)d photo file(s) named by the database are missing from %(path)s, e.g. %(name)s")
                % {"n": len(missing), "path": media_root, "name": missing[0]}
            )
        manifest = {"made_at": now.isoformat(), "database": db["NAME"], "counts": found, "photo_files": photo_files}
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial = work / "archive.tar"
        with tarfile.open(partial, "w") as tar:
            tar.add(work / "manifest.json", "manifest.json")
            tar.add(work / "database.dump", "database.dump")
            for name in photo_files:  # the photos the snapshot names, not whatever else lies there
                try:
                    tar.add(media_root / name, f"media/{name}")
                except OSError as error:  # removed since the check just above
                    raise BackupError(f"{media_root / name}: {error}") from None
        partial.chmod(0o600)  # it holds every resident's name and phone: its owner's eyes only
        partial.replace(target)  # the archive appears whole or not at all
    if keep:
        for old in sorted(directory.glob(f"{ARCHIVE_PREFIX}*.tar"))[:-keep]:
            old.unlink()
    return target


def _govgrid_tables(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'")
        return cursor.fetchone()[0]


def _plain_members(tar):
    """The archive's files and folders, refusing anything that would land outside the folder it is
    unpacked into (absolute paths, `..`, links, devices). Python 3.11.2, Debian 12's, has no
    extraction filters (`filter="data"` came in 3.11.4), so the check is made here."""
    for member in tar.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise tarfile.TarError(_("unexpected member %(name)s") % {"name": member.name})
        yield member


def restore_backup(archive, alias="default", media_root=None):
    """Restore `archive` into the (empty) database `alias` and its photos into `media_root`
    (default MEDIA_ROOT). Returns the counts found after the restore, which equal the manifest's."""
    archive = Path(archive)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if not archive.is_file():
        raise BackupError(_("no such archive: %(path)s") % {"path": archive})
    if _govgrid_tables(alias):
        raise BackupError(
            _("the database %(name)s is not empty: restore only into an empty database")
            % {"name": connections[alias].settings_dict["NAME"]}
        )
    clashing = [p for p in media_root.rglob("*") if p.is_file()] if media_root.is_dir() else []
    if clashing:
        raise BackupError(
            _("%(path)s already holds files: restore photos only into an empty folder") % {"path": media_root}
        )
    with tempfile.TemporaryDirectory(prefix="govgrid-restore-") as work:
        work = Path(work)
        try:
            with tarfile.open(archive) as tar:
                tar.extractall(work, members=_plain_members(tar))
            manifest = json.loads((work / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError) as error:
            raise BackupError(
                _("%(path)s is not a govgrid backup: %(error)s") % {"path": archive, "error": error}
            ) from None
        absent = [name for name in manifest.get("photo_files", []) if not (work / "media" / name).is_file()]
        if absent:  # checked before anything is written
            raise BackupError(
                _("%(n)d photo file(s) named by the database are missing from %(path)s, e.g. %(name)s")
                % {"n": len(absent), "path": archive, "name": absent[0]}
            )
        connections[alias].close()
        db = connections[alias].settings_dict
        run_tool(
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                db["NAME"],
                str(work / "database.dump"),
            ],
            pg_env(db),
        )
        if (work / "media").is_dir():
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work / "media", media_root, dirs_exist_ok=True)
    found = counts(alias)
    if found != manifest["counts"]:
        raise BackupError(
            _("the restored database differs from the archive's manifest: %(found)s, expected %(expected)s")
            % {"found": found, "expected": manifest["counts"]}
        )
    return found
