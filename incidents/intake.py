"""Intake: receiving a report, the one place where a case is created.

A phone on a weak network sends the same report again until it is acknowledged, so a report is
identified by the `client_id` the phone made: the first arrival creates the case, every later one
with the same content gets that case back, and one with other content under the same id is
refused. The unique key of incidents_clientid (written by a trigger in the statement that writes
the case, whatever month's partition the case is in) settles two arrivals at the same moment: the
second waits for the first to commit, fails to insert, and is answered with the first's case.
"""

import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from govgrid.lib import coords
from govgrid.lib.errors import Conflict, GovgridError, Unprocessable
from govgrid.lib.prepared import Prepared
from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import Forbidden, Scope

from . import events
from .actions import reported
from .duplicates import DUPLICATES_SQL, duplicate_rows, duplicates_params
from .models import Category, Incident
from .photos import check_photo, delete_files, store_photo

AREA_SQL = Area.objects.sql  # the grid at a point and the areas above it, as SQL text


@dataclass
class Report:
    """A validated report, as the API's serializer hands it over."""

    client_id: object
    category: str  # the code of an active category item, checked when the report is received
    description: str
    lon: float
    lat: float
    crs: str = "wgs84"
    accuracy_m: float | None = None
    reported_at: object = None
    contact_name: str = ""
    contact_phone: str = ""
    channel: str = "app"

    def fingerprint(self):
        content = {
            "category": self.category,
            "description": self.description,
            "lon": self.lon,
            "lat": self.lat,
            "crs": self.crs,
            "accuracy_m": self.accuracy_m,
            "reported_at": self.reported_at.isoformat() if self.reported_at else None,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def report_incident(user, report, photos=(), scope=None):
    """(incident, created, possible duplicates). Checks everything before writing anything.

    A new report is the common case, so it goes straight to the one statement that finds the grid
    and writes the case (with the category as this process knows it, which the statement checks
    against the table). When that writes nothing, the report is looked at again to say why: a retry
    (recognised before a refusal, so a retry is never refused for what changed since), an unknown
    category, a place outside every grid or outside the reporter's grids. A retry arriving while
    the statement runs is recognised by the unique client_id.
    """
    fingerprint = report.fingerprint()
    scope = scope or Scope.for_user(user)
    refused_time = report_time_refusal(report.reported_at, timezone.now())
    if refused_time is not None:
        # A retry is recognised before a refusal: its first copy was in time when it came.
        existing = Incident.objects.with_client_id(report.client_id).first()
        if existing is not None:
            return _same_report(existing, fingerprint, user), False, []
        raise ValidationError({"reported_at": [refused_time]})
    lon, lat = coords.to_wgs84(report.lon, report.lat, report.crs)
    checked_photos = _check_photos(photos)
    cached = reportable_categories.get(report.category)
    if cached is not None:
        received = _receive(user, report, fingerprint, scope, (lon, lat), cached, checked_photos)
        if received is not None:
            return received
    # Nothing written: find out why from the tables as they are now.
    point = Point(lon, lat, srid=4326)
    # On an edge shared with another grid, the reporter's own grid wins; otherwise the lower code.
    category, grid = _category_and_grid(report.category, point, prefer=scope.write if not scope.everything else ())
    if cached is not None and not same_category(cached, category):
        reportable_categories.reload()  # changed or retired since this process read it
    if category is None or grid is None or not scope.changes(grid.code):
        existing = Incident.objects.with_client_id(report.client_id).first()
        if existing is not None:
            return _same_report(existing, fingerprint, user), False, []
    if category is None:
        raise ValidationError({"category": [_("No category has the code {value}.").format(value=report.category)]})
    if grid is None:
        nearest = scope.areas().nearest_grid(point)
        raise Unprocessable(
            _("The location (%(lon).6f, %(lat).6f) is not inside any grid.") % {"lon": lon, "lat": lat},
            field="location",
            code="outside_grids",
            nearest_grid=nearest and nearest.code,
            nearest_grid_name=nearest and nearest.name,
            distance_m=nearest and round(nearest.distance_m, 1),
        )
    if not scope.changes(grid.code):
        raise Forbidden(
            _("The location is in grid %(code)s %(name)s, which is not one of yours.")
            % {"code": grid.code, "name": grid.name},
            field="location",
        )
    # The category had changed since this process read it: write with the one just read.
    received = _receive(user, report, fingerprint, scope, (lon, lat), category, checked_photos)
    if received is None:
        raise Conflict(
            _("The categories or the grids changed while the report was received; send it again."),
            code="changed_meanwhile",
        )
    return received


def report_time_refusal(reported_at, now):
    """Why a report made at `reported_at` cannot be received at `now`, or None: at most
    REPORTED_AT_MAX_AGE_HOURS before (a phone's outbox kept offline) and
    REPORTED_AT_MAX_SKEW_MINUTES after (a phone's clock ahead). Compared, never subtracted, so a
    time at the ends of the calendar cannot overflow."""
    if reported_at is None:
        return None
    if reported_at > now + timedelta(minutes=settings.REPORTED_AT_MAX_SKEW_MINUTES):
        return _("The report time is in the future.")
    if reported_at < now - timedelta(hours=settings.REPORTED_AT_MAX_AGE_HOURS):
        return _("The report time is more than %(hours)g hours before the report reached the server.") % {
            "hours": settings.REPORTED_AT_MAX_AGE_HOURS
        }
    return None


def _check_photos(photos):
    if len(photos) > settings.PHOTO_MAX_COUNT:
        raise GovgridError(
            _("At most %(n)d photos per report.") % {"n": settings.PHOTO_MAX_COUNT}, field="photos", code="too_many"
        )
    return list({digest: (data, kind, digest) for data, kind, digest in map(check_photo, photos)}.values())


def _receive(user, report, fingerprint, scope, lon_lat, category, checked_photos):
    """Write the case with its photos: (incident, True, possible duplicates); or the earlier case of
    a retry, (incident, False, []); or None when the statement wrote nothing (no grid of the
    reporter's at the point, or the category not as given). lon_lat: the WGS84 point."""
    now = timezone.now()
    # The location as EWKT, which GeoDjango makes a geometry of only when something reads it: the
    # write and the answer take the numbers (lon_lat_of). Making a GEOS point and reading it back
    # took a dozen library calls for each report.
    location = "SRID=4326;POINT({} {})".format(*lon_lat)
    incident = Incident(
        client_id=report.client_id,
        fingerprint=fingerprint,
        category=category,
        description=report.description,
        location=location,
        input_lon=report.lon,
        input_lat=report.lat,
        input_crs=report.crs,
        accuracy_m=report.accuracy_m,
        low_accuracy=report.accuracy_m is not None and report.accuracy_m > settings.INTAKE_MAX_ACCURACY_M,
        reporter=user,
        reporter_person_id=scope.person_id,
        channel=report.channel,
        contact_name=report.contact_name,
        contact_phone=report.contact_phone,
        reported_at=report.reported_at or now,
        received_at=now,
    )
    first, report_event = reported(category, now, user.pk)
    first.put_on(incident)
    incident.report_event = report_event
    incident.received_point = location, lon_lat
    saved_files = []
    # Without photos the one statement is the whole write and atomic by itself, so it needs no
    # transaction (a round trip fewer); inside a caller's transaction, a savepoint keeps a refused
    # insert from spoiling it.
    needs_transaction = bool(checked_photos) or connection.in_atomic_block
    try:
        with transaction.atomic() if needs_transaction else nullcontext():
            duplicates = _insert_new_incident(incident, scope)
            if duplicates is None:
                return None
            for data, content_type, digest in checked_photos:
                saved_files.append(store_photo(incident, data, content_type, digest))
    except IntegrityError:
        # Another request with the same client_id committed first (see the module docstring).
        delete_files(saved_files)
        existing = Incident.objects.with_client_id(report.client_id).first()
        if existing is None:
            raise
        return _same_report(existing, fingerprint, user), False, []
    except BaseException:
        delete_files(saved_files)
        raise
    incident.photo_list = saved_files
    return incident, True, duplicates


class ReportableCategories:
    """The active category items by code, as this process last read them: a report takes its
    deadline from them, and the statement that writes the case checks them against the table, so
    a category changed since is read again (report_incident) and never used as it was. One of
    intake's speed-ups: docs/speed.md lists them together, with what each costs."""

    def __init__(self):
        self.by_code = None

    def get(self, code):
        if self.by_code is None or code not in self.by_code:
            self.reload()
        return self.by_code.get(code)

    def reload(self):
        self.by_code = {c.code: c for c in Category.objects.reportable()}


reportable_categories = ReportableCategories()

# What a report takes from its category (its deadline, and its code and name for the answer): the
# write checks the cached category has them still, and a refused report compares them.
CHECKED_CATEGORY_FIELDS = ("id", "code", "name", "active", "parent_id", "deadline_grid_hours", "calendar_time")


def same_category(cached, current):
    return current is not None and all(getattr(cached, f) == getattr(current, f) for f in CHECKED_CATEGORY_FIELDS)


# The category item by its code and the grid at the point (grids.models.areas), in one round trip.
CATEGORY_COLUMNS = [field.column for field in Category._meta.concrete_fields]
CATEGORY_ATTNAMES = [field.attname for field in Category._meta.concrete_fields]
CATEGORY_AND_GRID = Prepared(
    "govgrid_category_and_grid",
    f"""
    SELECT {", ".join(f"category.{column}" for column in CATEGORY_COLUMNS)}, grid.*
    FROM (SELECT) AS one
    LEFT JOIN incidents_category category
        ON category.code = %(category)s AND category.active AND category.parent_id IS NOT NULL
    LEFT JOIN LATERAL ({AREA_SQL.grid_with_chain}) AS grid ON TRUE
    """,
)


def _category_and_grid(code, point, prefer):
    """(the active category item with this code or None, the grid covering the point or None)."""
    with connection.cursor() as cursor:
        CATEGORY_AND_GRID.execute(cursor, {"category": code} | AREA_SQL.grid_with_chain_params(point, prefer))
        row = cursor.fetchone()
    count = len(CATEGORY_COLUMNS)
    category = None
    if row[0] is not None:
        category = Category.from_db(connection.alias, CATEGORY_ATTNAMES, row[:count])
    return category, AREA_SQL.grid_from_row(row[count:])


# A new case in one statement: its grid (the grid covering the point among those the reporter may
# change, the lower code on a shared edge), the day's number, the case, its first event, and the
# open cases near it (which cannot see the new row: a statement reads the data as it was when it
# began). It writes nothing when no grid of the reporter's covers the point or the category is no
# longer as the report was given it (CHECKED_CATEGORY_FIELDS). The case's other columns as the
# unsaved Incident holds them (the location from the lon and lat of the duplicate search's parameters).
# Its id is of the month of the day its code carries, which places it in that month's partition
# (incidents.partitions); the trigger that keeps client_id unique writes in this statement too.
CASE_COLUMNS = (
    "client_id", "fingerprint", "category_id", "description", "location", "input_lon", "input_lat",
    "input_crs", "accuracy_m", "low_accuracy", "reporter_id", "reporter_person_id", "channel",
    "contact_name", "contact_phone", "reported_at", "received_at", "status", "level", "due_at", "due_from", "version",
    "rating_comment",
)  # fmt: skip
INSERT_CASE = Prepared(
    "govgrid_insert_case",
    """
    WITH target AS (
        SELECT g.id, g.code, g.name
        FROM grids_area g
        WHERE {grid_covers_point}
          AND {changeable_by_scope}
          AND EXISTS (SELECT FROM incidents_category c WHERE {category_as_cached})
        ORDER BY g.code
        LIMIT 1
    ), numbered AS (
        INSERT INTO incidents_dailysequence (district_code, day, last)
        SELECT left(code, {district_length}), %(day)s::date, 1 FROM target
        ON CONFLICT (district_code, day) DO UPDATE SET last = incidents_dailysequence.last + 1
        RETURNING district_code, last
    ), made AS (
        INSERT INTO incidents_incident (id, code, grid_id, area_code, {columns})
        SELECT incidents_case_id(%(day)s::date),
               numbered.district_code || '-' || to_char(%(day)s::date, 'YYYYMMDD') || '-'
                   || lpad(last::text, greatest(4, length(last::text)), '0'),
               target.id, target.code, {values}
        FROM numbered, target
        RETURNING id, code
    ), logged AS (
        {report_event}
    ), above AS (
        SELECT above.* FROM target g, LATERAL ({areas_above}) above
    ), near AS ({duplicates})
    SELECT made.id, made.code, g.id, g.code, g.name, above.codes, above.names, near.code, near.metres, near.reported_at
    FROM made, target g, above
    LEFT JOIN near ON TRUE
    ORDER BY near.metres, near.code
""".format(
        columns=", ".join(CASE_COLUMNS),
        values=", ".join(AREA_SQL.point if c == "location" else f"%({c})s" for c in CASE_COLUMNS),
        grid_covers_point=AREA_SQL.grid_covers_point,
        district_length=CODE_LENGTH[Level.DISTRICT],
        changeable_by_scope=Scope().sql("g.code", writing=True, name="writable", fixed=True)[0],
        report_event=events.insert_sql("made", "id"),
        duplicates=DUPLICATES_SQL,
        areas_above=AREA_SQL.areas_above,
        category_as_cached=" AND ".join(f"c.{field} = %(cached_{field})s" for field in CHECKED_CATEGORY_FIELDS),
    ),
)


def _insert_new_incident(incident, scope):
    """Insert the unsaved `incident` with its report event, in one round trip, and give it its grid
    (by id, with the names of its areas: AREA_SQL.chain_names), id and code: 411381-20261122-0007, the
    district, the day and the day's next number. The counter row stays locked until the transaction
    ends, so numbers are never given twice and never skipped. Returns the case's possible
    duplicates, or None when nothing was written."""
    params = (
        {column: getattr(incident, column) for column in CASE_COLUMNS if column != "location"}
        | {
            "day": timezone.localdate(incident.received_at),
            **scope.sql("g.code", writing=True, name="writable", fixed=True)[1],
        }
        | {f"cached_{field}": getattr(incident.category, field) for field in CHECKED_CATEGORY_FIELDS}
    )
    params |= duplicates_params(incident, scope) | events.params(incident.report_event)
    with connection.cursor() as cursor:
        INSERT_CASE.execute(cursor, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    incident.id, incident.code = rows[0][:2]
    # The grid is known by its id; its names and its parents' come as plain data for the answer
    # (incident_json): the model objects of four areas were a tenth of a report's Python. Reading
    # incident.grid loads it as any foreign key does.
    incident.grid_id, incident.area_code = rows[0][2], rows[0][3]
    incident.chain_names = AREA_SQL.chain_names(*rows[0][3:7])
    incident._state.adding = False
    incident._state.db = connection.alias
    return duplicate_rows(row[7:] for row in rows if row[7] is not None)


def _same_report(existing, fingerprint, user):
    """The case a retry names by its client_id. Another account's case under that id is refused
    without a word about it (not its code, not even that it is another's): a client_id is only a
    number a phone made up, and must not open a way to learn of cases out of the caller's sight."""
    if existing.reporter_id != user.pk:
        raise Conflict(
            _("client_id %(id)s is already in use: make a new one for this report.") % {"id": existing.client_id},
            field="client_id",
            code="client_id_reused",
        )
    if existing.fingerprint != fingerprint:
        raise Conflict(
            _("client_id %(id)s was already used for a different report (%(code)s).")
            % {"id": existing.client_id, "code": existing.code},
            field="client_id",
            code="client_id_reused",
        )
    return existing
