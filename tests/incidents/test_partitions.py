"""Cases and their events partitioned by month (incidents.partitions, migration 0016): where a case's
rows land, the unique and foreign-key rules that still hold across months, the months made ahead,
a period read from its own months only, and an old month archived and restored whole."""

import re
import uuid
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incidents import partitions
from incidents.archive import archivable, archive, restore
from incidents.intake import Report, report_incident
from incidents.models import Incident, IncidentEvent, IncidentPhoto
from incidents.partitions import MONTH_SPAN, add_months, month_of
from maps import case_days
from tests.conftest import committed_city
from tests.incidents.conftest import SMALL_CITY, Clock, shanghai, step


def months_from_now(count, day=15, hour=10):
    month = add_months(month_of(timezone.localdate()), count)
    return shanghai(month.year, month.month, day, hour)


def report(city, client_id=None, description="井盖缺失"):
    """grid_worker reports in their grid: (the case, whether it was made)."""
    point = city.grid_of("grid_worker").geom.point_on_surface
    sent = Report(
        client_id=client_id or uuid.uuid4(), category="0301", description=description, lon=point.x, lat=point.y
    )
    case, created, _ = report_incident(city.users["grid_worker"], sent)
    return case, created


def table_of(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def last_id_of(day):
    """The last id of `day`'s month: free in a test."""
    return partitions.first_id(month_of(day)) + MONTH_SPAN - 1


def copy_of(case, **changes):
    """An unsaved case like `case` with its own client_id, changed as given."""
    fields = {f.attname: getattr(case, f.attname) for f in Incident._meta.concrete_fields}
    return Incident(**(fields | {"id": None, "client_id": uuid.uuid4()} | changes))


def refused(write):
    """Whether the database refuses `write()`, its deferred foreign keys checked at once."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_a_case_and_its_events_are_written_in_the_partition_of_its_month(city, clock):
    clock.at = months_from_now(2)
    case, _ = report(city)
    step(case.code, "grid_worker", "accept", city=city)
    month = f"y{clock.at:%Y}m{clock.at:%m}"
    assert case.code.split("-")[1] == f"{clock.at:%Y%m%d}"
    assert case.id // MONTH_SPAN == int(f"{clock.at:%Y%m}")
    assert table_of(Incident, case.id) == f"incidents_incident_{month}"
    events = IncidentEvent.objects.filter(incident=case)
    assert len(events) == 2 and {table_of(IncidentEvent, e.id) for e in events} == {f"incidents_incidentevent_{month}"}


@pytest.mark.django_db
def test_an_event_written_months_later_stays_beside_its_case(city, clock):
    clock.at = months_from_now(1)
    case, _ = report(city)
    clock.at = months_from_now(3)
    step(case.code, "grid_worker", "accept", city=city)
    accepted = IncidentEvent.objects.get(incident=case, action="accept")
    assert (
        table_of(IncidentEvent, accepted.id)
        == f"incidents_incidentevent_y{months_from_now(1):%Y}m{months_from_now(1):%m}"
    )


@pytest.mark.django_db
def test_a_retry_a_month_later_answers_the_first_case_never_a_second(city, clock):
    client_id = uuid.uuid4()
    clock.at = months_from_now(1, day=28)
    first, created = report(city, client_id)
    assert created
    clock.at = months_from_now(2, day=5)
    again, created = report(city, client_id)
    assert not created and again.code == first.code
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_incident WHERE client_id = %s", [client_id])
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_a_client_id_already_used_is_refused_in_another_month_s_partition(city, clock):
    clock.at = months_from_now(1)
    case, _ = report(city)
    later = months_from_now(2)
    placed = {"id": last_id_of(later), "code": f"{case.code[:7]}{later:%Y%m%d}-T0001"}
    assert refused(lambda: copy_of(case, client_id=case.client_id, **placed).save())
    assert not refused(lambda: copy_of(case, **placed).save())  # the same with a client_id of its own


@pytest.mark.django_db
def test_a_code_already_given_is_refused_in_its_month_and_cannot_be_put_in_another(city, clock):
    clock.at = months_from_now(1)
    case, _ = report(city)
    elsewhere = last_id_of(months_from_now(2))
    assert refused(lambda: copy_of(case, id=last_id_of(clock.at)).save())  # its month's partition: the unique index
    assert refused(lambda: copy_of(case, id=elsewhere).save())  # another month's: the code's month is not the id's
    other_code = f"{case.code[:7]}{months_from_now(2):%Y%m%d}-0001"
    assert not refused(lambda: copy_of(case, id=elsewhere, code=other_code).save())


@pytest.mark.django_db
def test_the_foreign_keys_to_cases_still_refuse_orphans(city, clock):
    clock.at = months_from_now(1)
    case, _ = report(city)
    missing = last_id_of(clock.at)
    assert refused(
        lambda: IncidentEvent.objects.create(incident_id=missing, action="note", to_status="reported", to_level="grid")
    )
    assert refused(
        lambda: IncidentPhoto.objects.create(incident_id=missing, sha256="0" * 64, content_type="image/jpeg", size=1)
    )
    assert refused(lambda: Incident.objects.filter(pk=case.pk).update(duplicate_of_id=missing))
    assert not refused(
        lambda: IncidentEvent.objects.create(incident=case, action="note", to_status="reported", to_level="grid")
    )


@pytest.mark.django_db
def test_a_period_reads_only_the_partitions_of_its_months():
    since, until = months_from_now(1, day=1, hour=0), months_from_now(3, day=1, hour=0)
    names = {f"incidents_incident_y{m:%Y}m{m:%m}" for m in (months_from_now(1), months_from_now(2))}

    def read(queryset):
        return set(re.findall(r" on (incidents_incident_\w+)", queryset.explain()))

    assert read(Incident.objects.received_in(since, until)) == names
    assert read(Incident.objects.filter(received_at__gte=since, received_at__lt=until)) > names  # every month


@pytest.mark.django_db
def test_the_worker_makes_the_months_ahead_that_are_missing(monkeypatch, city, clock):
    monkeypatch.setattr(partitions, "MONTHS_AHEAD", partitions.MONTHS_AHEAD + 1)
    assert partitions.keep_ahead() == 1
    assert partitions.keep_ahead() == 0
    clock.at = months_from_now(partitions.MONTHS_AHEAD)
    case, _ = report(city)
    assert table_of(Incident, case.id) == f"incidents_incident_y{clock.at:%Y}m{clock.at:%m}"


@pytest.mark.django_db
def test_the_first_id_of_a_month_is_the_same_in_python_and_in_sql():
    days = [date(2025, 1, 1), date(2026, 12, 31), date(2027, 1, 15), date(2099, 11, 30)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT incidents_month_first_id(day) FROM unnest(%s::date[]) AS day", [days])
        assert [row[0] for row in cursor.fetchall()] == [partitions.first_id(month_of(day)) for day in days]


# A city of its own, committed: pg_dump reads what is committed.
ARCHIVED_CITY = {**SMALL_CITY, "code": "990031", "origin": (112.90, 32.50)}


def rows(model, ids):
    column = "id__in" if model is Incident else "incident_id__in"
    return list(model.objects.filter(**{column: ids}).order_by("id").values())


def kept_as_counted():
    """Whether the density map's counts kept per grid and day (maps.case_days) are those counted
    from the cases in the tables (a rebuild, rolled back)."""
    with transaction.atomic(), connection.cursor() as cursor:
        read = f"SELECT grid_id, year, through FROM {case_days.TABLE} ORDER BY 1, 2"
        cursor.execute(read)
        kept = cursor.fetchall()
        case_days.rebuild()
        cursor.execute(read)
        counted = cursor.fetchall()
        transaction.set_rollback(True)
    return kept == counted


def seen(ids, first, later, photo):
    """What the tables show of the old month's cases and of what names them."""
    return {
        "kept_as_counted": kept_as_counted(),
        "cases": rows(Incident, ids),
        "events": rows(IncidentEvent, ids),
        "photo": IncidentPhoto.objects.filter(pk=photo.pk).values_list("incident_id", flat=True).first(),
        "duplicate_of": Incident.objects.get(pk=later.pk).duplicate_of_id,
        "by_client_id": list(Incident.objects.with_client_id(first.client_id).values_list("id", flat=True)),
        "table": table_of(Incident, first.id) if ids and Incident.objects.filter(pk=first.id).exists() else None,
    }


@pytest.fixture(scope="module")
def round_trip(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two cases of a month twenty months ago (with an event more, a photo, a later case marked as
    their duplicate), committed, then archived and restored: what was seen before, between and after."""
    with committed_city(django_db_blocker, lambda city: city.staff(), **ARCHIVED_CITY) as city:
        with pytest.MonkeyPatch.context() as patch:
            clock = Clock(months_from_now(-20))
            patch.setattr("incidents.intake.timezone", clock)
            patch.setattr("incidents.workflow.timezone", clock)
            partitions.make_months(clock.at, clock.at)
            first, _ = report(city)
            second, _ = report(city, description="路灯不亮")
            step(first.code, "grid_worker", "accept", city=city)
            clock.at = timezone.now()
            later, _ = report(city, description="井盖缺失，同一处")
        photo = IncidentPhoto.objects.create(incident=first, sha256="0" * 64, content_type="image/jpeg", size=1)
        Incident.objects.filter(pk=later.pk).update(duplicate_of=first)
        ids = [first.id, second.id]
        (month,) = [
            p for p in archivable(19, timezone.localdate()) if p.low == partitions.first_id(month_of(first.received_at))
        ]
        seeing = {"before": seen(ids, first, later, photo)}
        directory = tmp_path_factory.mktemp("archive")
        try:
            path, counts = archive(month, directory)
            seeing |= {"archived": seen(ids, first, later, photo), "path": path, "counts": counts, "month": month}
            restore(path)
            seeing["restored"] = seen(ids, first, later, photo)
            yield seeing
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = %s)", [month.schema])
                if cursor.fetchone()[0]:  # left detached by a failure: put back before the city is erased
                    restore(directory / f"{month.schema}.dump")
            Incident.objects.filter(pk=later.pk).update(duplicate_of=None)


@pytest.mark.django_db
def test_an_archived_month_leaves_the_tables_with_everything_that_named_its_cases(round_trip):
    archived = round_trip["archived"]
    assert round_trip["path"].is_file()
    assert round_trip["counts"]["incidents_incident"] == 2 and round_trip["counts"]["incidents_incidentevent"] == 3
    assert archived == {
        "kept_as_counted": True,
        "cases": [],
        "events": [],
        "photo": None,
        "duplicate_of": None,
        "by_client_id": [],
        "table": None,
    }


@pytest.mark.django_db
def test_an_archived_month_restored_comes_back_whole(round_trip):
    before, restored = round_trip["before"], round_trip["restored"]
    assert len(before["cases"]) == 2 and len(before["events"]) == 3 and before["photo"] is not None
    assert restored == before
    assert restored["table"] == round_trip["month"].table
