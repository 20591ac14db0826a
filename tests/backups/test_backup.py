"""backup / restore: the database and the photos in one archive, restored into an empty database with
nothing lost."""

import hashlib
import os
import subprocess
import sys
import tarfile
import uuid

import psycopg2
import pytest
from django.db import connection

from backups.archive import counts
from tests.conftest import ROOT, committed_city
from tests.incidents.test_escalate_overdue import django_subprocess, output

# A committed case with a photo and an event (the sweep's escalation), in another process, in the
# grid whose code is its argument. Prints its id.
MAKE_CASE_WITH_PHOTO = """
import sys
from django.core.files.base import ContentFile
from grids.models import Area
from incidents.models import IncidentPhoto
from incidents.sweep import escalate_overdue
from tests.incidents.test_escalate_overdue import make_case
case = make_case(Area.objects.get(code=sys.argv[1]), -2)
escalate_overdue()
photo = IncidentPhoto(incident=case, sha256="0" * 64, content_type="image/jpeg", size=9)
photo.file.save("backup-test.jpg", ContentFile(b"\\xff\\xd8\\xff photo"), save=True)
print(case.pk)
"""
PURGE = """
import sys
from incidents.models import Incident
from incidents.models import purge_incidents
purge_incidents(Incident.objects.filter(pk=sys.argv[1]))
"""


def db_url(name):
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"


def manage(*args, database, media):
    env = dict(os.environ, DATABASE_URL=db_url(database), GOVGRID_MEDIA_ROOT=str(media))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def admin_connection():
    db = connection.settings_dict
    other = psycopg2.connect(
        host=db["HOST"], port=db["PORT"], dbname="postgres", user=db["USER"], password=db["PASSWORD"]
    )
    other.autocommit = True
    return other


@pytest.fixture
def empty_database():
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def city(django_db_blocker):
    """A drawn city committed for the other process (tests/conftest.py), its grids nobody's."""
    with committed_city(django_db_blocker, streets=1, towns=0, communities=1) as city:
        yield city


@pytest.fixture
def committed_case_with_photo(db, city, tmp_path, monkeypatch):
    media = tmp_path / "media"
    monkeypatch.setenv("GOVGRID_MEDIA_ROOT", str(media))
    case_id = output(django_subprocess(MAKE_CASE_WITH_PHOTO, city.grids[1].code))
    yield int(case_id), media
    output(django_subprocess(PURGE, case_id))


def rows(database, sql):
    db = connection.settings_dict
    with (
        psycopg2.connect(
            host=db["HOST"], port=db["PORT"], dbname=database, user=db["USER"], password=db["PASSWORD"]
        ) as other,
        other.cursor() as cursor,
    ):
        cursor.execute(sql)
        return cursor.fetchall()


EVERYTHING = {
    "cases": "SELECT code, status, level, area_code, ST_AsText(location), description "
    "FROM incidents_incident ORDER BY code",
    "events": "SELECT i.code, e.action, e.at, e.to_level FROM incidents_incidentevent e "
    "JOIN incidents_incident i ON i.id = e.incident_id ORDER BY 1, 3",
    "people": "SELECT md5(string_agg(concat_ws('|', id, name, phone, home_community_id), ',' ORDER BY id)) "
    "FROM grids_person",
    "photos": "SELECT file, sha256, size FROM incidents_incidentphoto ORDER BY file",
}


def test_a_backup_restored_into_an_empty_database_has_every_case_event_person_and_photo(
    committed_case_with_photo, empty_database, tmp_path
):
    _, media = committed_case_with_photo
    source = connection.settings_dict["NAME"]
    made = manage("backup", "--to", str(tmp_path / "backups"), database=source, media=media)
    assert made.returncode == 0, made.stderr
    archive = made.stdout.strip()
    restored_media = tmp_path / "restored-media"

    restored = manage("restore", archive, database=empty_database, media=restored_media)

    assert restored.returncode == 0, restored.stderr
    for what, sql in EVERYTHING.items():
        assert rows(empty_database, sql) == rows(source, sql), what
    assert counts()["photos"] >= 1
    for file, _sha, _size in rows(source, EVERYTHING["photos"]):
        assert (restored_media / file).read_bytes() == (media / file).read_bytes()


def test_the_events_of_a_restored_database_are_still_append_only(committed_case_with_photo, empty_database, tmp_path):
    _, media = committed_case_with_photo
    made = manage("backup", "--to", str(tmp_path / "b"), database=connection.settings_dict["NAME"], media=media)
    assert manage("restore", made.stdout.strip(), database=empty_database, media=tmp_path / "m").returncode == 0
    with pytest.raises(psycopg2.Error):
        rows(empty_database, "DELETE FROM incidents_incidentevent RETURNING id")


def test_a_restore_into_a_database_that_holds_govgrid_is_refused_and_changes_nothing(
    committed_case_with_photo, tmp_path
):
    _, media = committed_case_with_photo
    source = connection.settings_dict["NAME"]
    made = manage("backup", "--to", str(tmp_path / "b"), database=source, media=media)
    before = rows(source, EVERYTHING["events"])

    refused = manage("restore", made.stdout.strip(), database=source, media=tmp_path / "m")

    assert refused.returncode != 0
    assert "not empty" in refused.stderr or "不是空" in refused.stderr or "非空" in refused.stderr
    assert rows(source, EVERYTHING["events"]) == before


def test_keep_leaves_only_the_newest_archives(committed_case_with_photo, tmp_path, settings):
    import datetime as dt

    from backups.archive import make_backup

    settings.MEDIA_ROOT = committed_case_with_photo[1]
    folder = tmp_path / "b"
    for day in (1, 2, 3):
        make_backup(folder, keep=2, now=dt.datetime(2026, 12, day, 2, 15, tzinfo=dt.UTC))
    assert sorted(p.name for p in folder.iterdir()) == ["govgrid-20261202-021500.tar", "govgrid-20261203-021500.tar"]
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}  # personal data: the owner's only
    with tarfile.open(folder / "govgrid-20261203-021500.tar") as tar:
        assert {"manifest.json", "database.dump"} <= set(tar.getnames())


def test_a_file_that_is_not_an_archive_is_refused_with_a_reason(empty_database, tmp_path, db):
    bogus = tmp_path / "govgrid-bogus.tar"
    bogus.write_bytes(hashlib.sha256(b"x").digest())
    refused = manage("restore", str(bogus), database=empty_database, media=tmp_path / "m")
    assert refused.returncode != 0
    assert "govgrid" in refused.stderr
    assert rows(empty_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_an_archive_with_a_path_out_of_its_folder_is_refused_and_writes_nothing(empty_database, tmp_path, db):
    import io

    evil = tmp_path / "govgrid-evil.tar"
    with tarfile.open(evil, "w") as tar:
        data = b"{}"
        member = tarfile.TarInfo("../../escaped.txt")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    refused = manage("restore", str(evil), database=empty_database, media=tmp_path / "m")
    assert refused.returncode != 0
    assert "escaped.txt" in refused.stderr
    assert rows(empty_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_a_photo_file_missing_from_the_folder_stops_the_backup_with_its_name(committed_case_with_photo, tmp_path):
    _, media = committed_case_with_photo
    (photo,) = [p for p in media.rglob("*") if p.is_file()]
    photo.unlink()
    made = manage("backup", "--to", str(tmp_path / "b"), database=connection.settings_dict["NAME"], media=media)
    assert made.returncode != 0
    assert photo.name in made.stderr
    assert not list((tmp_path / "b").glob("govgrid-*.tar"))
