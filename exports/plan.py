"""Exports of incidents, grids and coverage for GIS tools and pandas, in four formats:

- GeoJSON (RFC 7946): one FeatureCollection, WGS84 longitude/latitude, exterior rings
  counter-clockwise and holes clockwise (ST_ForcePolygonCCW), no `crs` member, 7 decimals (1 cm);
- GeoJSONSeq: one Feature per line (newline-delimited, as GDAL writes `.geojsonl`);
- CSV: UTF-8 with a byte-order mark (Excel needs it for Chinese; pandas and GDAL skip it), `lon` and
  `lat` columns for points (or a `WKT` column with `geometry=wkt`), a `WKT` column for boundaries
  (GDAL takes it for the geometry); a text cell starting with =, +, -, @, tab or CR gets a leading
  single quote so that no spreadsheet runs it (govgrid.lib.spreadsheet);
- GeoPackage: written to a temporary file by exports/geopackage.py, then streamed and removed.

PostgreSQL writes every Feature's text (ST_AsGeoJSON and the properties, see Column.json), and the
rows come through a server-side cursor a few thousand at a time, so memory is flat whatever the size
and the first bytes leave before the query has finished. The caller's Scope (grids/scopes.py)
decides the rows, and for incidents whether the resident's contact is shown: grids.personal's
CASE_CONTACT (dispatchers, grid workers and leaders in their scope, and the case's reporter; never
analysts); everyone else gets no name and the phone masked by grids.personal's PHONE_MASK.

Filters are query parameters (area, status, category, level, since, until, bbox). A filter that
means nothing for a kind (status for grids, since for coverage) is refused with 400, as is an unknown
or repeated parameter, so a typing mistake never silently exports everything.

This module does not know the web framework: exports/api.py and the export_geojson command both call
`plan_export` and write `Export.chunks(fmt)`.
"""

import contextlib
import csv
import io
import os
import queue
import tempfile
import threading
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.spreadsheet import safe_cell_sql
from grids.coverage import Thresholds, grid_rules
from grids.personal import CASE_CONTACT, PHONE_MASK
from grids.scopes import under_codes_sql
from incidents.models import OPEN_STATUSES

from . import geopackage
from .filters import FILTERS, QUERIES

FORMATS = ("geojson", "geojsonl", "csv", "gpkg")
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "geojsonl": "application/x-ndjson",  # newline-delimited; RFC 8142's geo+json-seq would need RS separators
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
BATCH_ROWS = 2000  # rows fetched from the server-side cursor at a time (about 1 MB of incidents)
DECIMALS = 7  # coordinate decimals: 1 cm, as the areas API; RFC 7946 advises no more than needed
NUMERIC = ("INTEGER", "REAL")  # column types whose CSV cells are numbers


# --- what each kind exports ----------------------------------------------------------------------


def moment(expression):
    """A timestamp as ISO 8601 text in UTC, the same in every format (GDAL reads it as a DateTime)."""
    return f"""to_char({expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    type: str = "TEXT"  # its GeoPackage type: TEXT, INTEGER, REAL, BOOLEAN or DATETIME
    plain: bool = False  # text that never needs escaping in JSON: codes and choices govgrid writes itself

    def json(self):
        """The value as JSON text. Written piece by piece rather than with json_build_object, which
        works out again for every value of every row how to write its type: a third of the export's
        time in PostgreSQL. REAL goes through to_json, which writes NaN and infinities as strings."""
        if self.type in ("INTEGER", "BOOLEAN"):
            return f"coalesce(({self.sql})::text, 'null')"
        if self.plain or self.type == "DATETIME":
            return f"""coalesce('"' || ({self.sql}) || '"', 'null')"""
        return f"coalesce(to_json({self.sql})::text, 'null')"


_OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)

INCIDENT_COLUMNS = (
    Column("code", "i.code", plain=True),
    Column("category", "c.code"),
    Column("category_name", "c.name"),
    Column("status", "i.status", plain=True),
    Column("level", "i.level", plain=True),
    Column("area_code", "i.area_code", plain=True),  # the area now responsible for the case
    Column("grid", "g.code", plain=True),  # where it was reported
    Column("grid_name", "g.name"),
    Column("community", "left(g.code, 12)", plain=True),
    Column("street", "left(g.code, 9)", plain=True),
    Column("description", "i.description"),
    Column("channel", "i.channel", plain=True),
    Column("reported_at", moment("i.reported_at"), "DATETIME"),
    Column("received_at", moment("i.received_at"), "DATETIME"),
    Column("due_at", moment("i.due_at"), "DATETIME"),
    Column("overdue", f"(i.status IN ({_OPEN}) AND i.due_at < now())", "BOOLEAN"),
    Column("accuracy_m", "i.accuracy_m", "REAL"),
    Column("low_accuracy", "i.low_accuracy", "BOOLEAN"),
    Column("rating", "i.rating", "INTEGER"),
    Column("contact_visible", "v.shown", "BOOLEAN"),
    Column("contact_name", "CASE WHEN v.shown THEN i.contact_name END"),
    Column("contact_phone", f"CASE WHEN v.shown THEN i.contact_phone ELSE {PHONE_MASK.sql('i.contact_phone')} END"),
)

GRID_COLUMNS = (
    Column("code", "a.code", plain=True),
    Column("name", "a.name"),
    Column("level", "a.level", plain=True),
    Column("parent", "CASE WHEN length(a.code) > 6 THEN left(a.code, length(a.code) - 3) END", plain=True),
    Column("kind", "nullif(a.kind, '')", plain=True),
    Column("households", "a.households", "INTEGER"),
    Column("population", "a.population", "INTEGER"),
    Column("area_km2", "round((ST_Area(a.geom::geography) / 1e6)::numeric, 4)::float8", "REAL"),
)

COVERAGE_COLUMNS = (
    Column("code", "r.code", plain=True),
    Column("name", "r.name"),
    Column("status", "r.status", plain=True),
    Column("households", "r.households", "INTEGER"),
    Column("has_group_leader", "r.has_group_leader", "BOOLEAN"),
    Column("team_members", "r.team_members", "INTEGER"),
    Column("grid_workers", "r.grid_workers", "INTEGER"),
    Column("linked_households", "r.linked_households::bigint", "INTEGER"),
    Column("nearest_station", "r.station_name"),
    Column("station_metres", "round(r.station_metres::numeric, 1)::float8", "REAL"),
    Column("ok_group_leader", "r.ok_group_leader", "BOOLEAN"),
    Column("ok_service_team", "r.ok_service_team", "BOOLEAN"),
    Column("ok_grid_worker", "r.ok_grid_worker", "BOOLEAN"),
    Column("ok_households", "r.ok_households", "BOOLEAN"),
    Column("ok_station", "r.ok_station", "BOOLEAN"),
)


@dataclass(frozen=True)
class Layer:
    name: str  # the URL's and the GeoPackage table's name
    label: object  # for people, translated
    geometry_type: str  # POINT or MULTIPOLYGON
    geometry: str  # SQL: the stored geometry column
    id: str  # SQL: the Feature's id
    columns: tuple
    statement: str  # SQL with {select}, {where} (and {shown} for incidents)
    conditions: dict  # filter name → SQL condition
    scope_column: str = ""  # SQL: the area code the caller's scope applies to (coverage: by prefix)
    area_column: str = ""  # SQL: the area code the `area` filter applies to (coverage: by prefix)

    @property
    def points(self):
        return self.geometry_type == "POINT"

    @property
    def oriented(self):
        """The geometry as RFC 7946 wants it: exterior rings counter-clockwise, holes clockwise."""
        return self.geometry if self.points else f"ST_ForcePolygonCCW({self.geometry})"

    def select(self, fmt, wkt=False):
        if fmt in ("geojson", "geojsonl"):
            # One text per Feature, made by concat() in one pass; ids are codes.
            parts = ["""'{"type":"Feature","id":"'""", self.id, """'","geometry":'"""]
            parts.append(f"ST_AsGeoJSON({self.oriented}, {DECIMALS}, 0)")
            for n, column in enumerate(self.columns):
                parts += ["'" + (',"properties":{' if n == 0 else ",") + f'"{column.name}":' + "'", column.json()]
            parts.append("'}}'")
            return "concat(" + ", ".join(parts) + ")"
        if fmt == "csv":
            # Every cell safe to open in a spreadsheet (govgrid.lib.spreadsheet): numbers stay numbers.
            values = [safe_cell_sql(f"({c.sql})::text", numeric=c.type in NUMERIC) for c in self.columns]
            if self.points and not wkt:
                values += [safe_cell_sql(f"round(ST_X({self.geometry})::numeric, {DECIMALS})::text", numeric=True)]
                values += [safe_cell_sql(f"round(ST_Y({self.geometry})::numeric, {DECIMALS})::text", numeric=True)]
            else:
                values.append(safe_cell_sql(f"ST_AsText({self.oriented}, {DECIMALS})"))
            return ", ".join(values)
        # GeoPackage: the typed values, the geometry as a GeoPackage blob (a header with the SRS id,
        # big-endian, and for boundaries the envelope; then the WKB), and the bounds for the R-tree.
        if self.points:
            blob = rf"'\x47500000'::bytea || int4send(4326) || ST_AsBinary({self.geometry}, 'NDR')"
            bounds = [f"ST_X({self.geometry})", f"ST_X({self.geometry})"]
            bounds += [f"ST_Y({self.geometry})", f"ST_Y({self.geometry})"]
        else:
            bounds = [f"ST_{edge}({self.geometry})" for edge in ("XMin", "XMax", "YMin", "YMax")]
            envelope = " || ".join(f"float8send({b})" for b in bounds)
            blob = rf"'\x47500002'::bytea || int4send(4326) || {envelope} || ST_AsBinary({self.oriented}, 'NDR')"
        return ", ".join([c.sql for c in self.columns] + [blob, *bounds])

    def header(self, fmt, wkt=False):
        if fmt == "csv":
            return [c.name for c in self.columns] + (["lon", "lat"] if self.points and not wkt else ["WKT"])
        return None


INCIDENTS = Layer(
    name="incidents",
    label=gettext_lazy("incidents"),
    geometry_type="POINT",
    geometry="i.location",
    id="i.code",
    columns=INCIDENT_COLUMNS,
    statement="""
        SELECT {select}
        FROM incidents_incident i
        JOIN incidents_category c ON c.id = i.category_id
        JOIN grids_area g ON g.id = i.grid_id
        CROSS JOIN LATERAL (SELECT {shown} AS shown) v
        WHERE {where}
        ORDER BY i.id
    """,
    conditions={
        "status": "i.status = %(status)s",
        "category": "i.category_id = ANY(%(category)s)",
        "level": "i.level = %(level)s",
        "since": "i.received_at >= %(since)s",
        "until": "i.received_at < %(until)s",
        "bbox": "i.location && {envelope}",
    },
    scope_column="i.area_code",  # the area now responsible, as everywhere else
    area_column="g.code",  # where it was reported
)

GRIDS = Layer(
    name="grids",
    label=gettext_lazy("grids"),
    geometry_type="MULTIPOLYGON",
    geometry="a.geom",
    id="a.code",
    columns=GRID_COLUMNS,
    statement="SELECT {select} FROM grids_area a WHERE {where} ORDER BY a.code",
    conditions={
        "level": "a.level = %(level)s",
        "bbox": "a.geom && {envelope} AND ST_Intersects(a.geom, {envelope})",
    },
    scope_column="a.code",
    area_column="a.code",
)

COVERAGE = Layer(
    name="coverage",
    label=gettext_lazy("coverage"),
    geometry_type="MULTIPOLYGON",
    geometry="a.geom",
    id="r.code",
    columns=COVERAGE_COLUMNS,
    # one statement per code prefix (the area asked for, or each of the caller's areas), as the coverage API
    statement="WITH results AS ({rules}) SELECT {select} FROM results r JOIN grids_area a ON a.id = r.id"
    " WHERE {where} ORDER BY r.code",
    conditions={
        "status": "r.status = %(status)s",
        "bbox": "a.geom && {envelope} AND ST_Intersects(a.geom, {envelope})",
    },
)

LAYERS = {layer.name: layer for layer in (INCIDENTS, GRIDS, COVERAGE)}
ENVELOPE = "ST_MakeEnvelope(%(minlon)s, %(minlat)s, %(maxlon)s, %(maxlat)s, 4326)"


def check_parameters(kind, params):
    """Every parameter known, meant for this kind, and given once. `params`: name → list of values."""
    accepted = QUERIES[kind]().fields
    for name, values in params.items():
        if name not in accepted:
            if name in FILTERS:
                message = _("The filter %(name)s does not apply to exports of %(kind)s.")
            else:
                message = _("Unknown parameter %(name)s; the filters of %(kind)s are: %(names)s.")
            names = ", ".join(accepted)
            raise GovgridError(message % {"name": name, "kind": LAYERS[kind].label, "names": names}, field=name)
        if len(values) > 1:
            raise GovgridError(_("Give %(name)s once.") % {"name": name}, field=name)


# --- the plan --------------------------------------------------------------------------------------


@dataclass
class Export:
    layer: Layer
    where: str
    statements: list  # [params]: one statement per entry (coverage: one per code prefix)
    shown: str = "FALSE"  # SQL: whether the resident's contact is shown (incidents)
    rules: str = ""  # SQL: grids.coverage's named query of the grids' rules (coverage)
    area: str = ""
    wkt: bool = False  # CSV: the geometry as a WKT column, also for points
    count: int = 0  # features read so far

    def sql(self, fmt):
        return (
            self.layer.statement.replace("{select}", self.layer.select(fmt, self.wkt))
            .replace("{shown}", self.shown)
            .replace("{rules}", self.rules)
            .replace("{where}", self.where)
        )

    def filename(self, fmt):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"govgrid-{self.layer.name}{'-' + self.area if self.area else ''}-{stamp}.{fmt}"

    def rows(self, fmt, batch=BATCH_ROWS):
        """Row batches of the format's SELECT, through a server-side cursor inside a transaction (a
        cursor declared WITH HOLD, as it would be outside one, makes PostgreSQL compute the whole
        result before the first row)."""
        sql = self.sql(fmt)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # JIT compiling takes about a second before the first row of a big export and
                # gains nothing on a scan whose time goes into writing text.
                cursor.execute("SET LOCAL jit = off")
            for params in self.statements:
                with connection.chunked_cursor() as cursor:
                    cursor.execute(sql, params)
                    for rows in fetched_ahead(cursor.cursor, batch):
                        self.count += len(rows)
                        yield rows

    def chunks(self, fmt):
        """The export as a stream of bytes; a GeoPackage is written to a temporary file first."""
        if fmt == "gpkg":
            return self._file_chunks(self.geopackage_file())
        return {"geojson": self._geojson, "geojsonl": self._geojsonl, "csv": self._csv}[fmt]()

    def write_geopackage(self, path):
        """Write the export as a GeoPackage at `path`; returns the number of features."""
        columns = [(c.name, c.type) for c in self.layer.columns]
        return geopackage.write(
            path, self.layer.name, self.layer.geometry_type, columns, self.rows("gpkg"), str(self.layer.label)
        )

    def geopackage_file(self):
        """The GeoPackage in a temporary file that is already unlinked: open for reading, and gone
        from the disk once closed, however the download ends."""
        fd, path = tempfile.mkstemp(prefix="govgrid-export-", suffix=".gpkg")
        os.close(fd)
        try:
            self.write_geopackage(path)
            return open(path, "rb")  # noqa: SIM115 - the caller streams and closes it
        finally:
            os.unlink(path)

    @staticmethod
    def _file_chunks(file, size=256 * 1024):
        with file:
            while block := file.read(size):
                yield block

    def _geojson(self):
        yield ('{"type":"FeatureCollection","name":"' + self.layer.name + '","features":[\n').encode()
        separator = ""
        for rows in self.rows("geojson"):
            yield (separator + ",\n".join(row[0] for row in rows)).encode()
            separator = ",\n"
        yield b"\n]}\n"

    def _geojsonl(self):
        for rows in self.rows("geojsonl"):
            yield ("\n".join(row[0] for row in rows) + "\n").encode()

    def _csv(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(self.layer.header("csv", self.wkt))
        yield buffer.getvalue().encode()
        for rows in self.rows("csv"):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(rows)
            yield buffer.getvalue().encode()


def fetched_ahead(cursor, batch):
    """A server-side cursor's batches, the next one fetched while the caller sends this one.

    FETCH is a round trip: PostgreSQL computes a batch only when asked, and waits while the batch
    before is sent on. One thread asking for the next batch meanwhile keeps both busy (the driver
    lets go of the GIL while it waits for the server); at most two batches are held at a time. The
    thread uses only this cursor, and the caller touches the connection only after the thread ends.
    """
    ready = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch():
        try:
            while not stop.is_set():
                rows = cursor.fetchmany(batch)
                ready.put(rows)
                if not rows:
                    return
        except Exception as error:  # handed to the caller, raised there
            ready.put(error)

    thread = threading.Thread(target=fetch, name="export-fetch", daemon=True)
    thread.start()
    try:
        while (rows := ready.get()) != []:
            if isinstance(rows, Exception):
                raise rows
            yield rows
    finally:
        stop.set()
        while thread.is_alive():  # a download stopped early: let the thread put its batch and end
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        thread.join()


def plan_export(kind, params, scope, fmt=None):
    """What `scope` gets of `kind` (incidents, grids or coverage) in `fmt` with these filters,
    checked. `params`: a QueryDict, or a dict of name → value or list of values. Raises GovgridError,
    or DRF's ValidationError for a value that does not parse."""
    layer = LAYERS[kind]
    params = _as_lists(params)
    check_parameters(kind, params)
    query = QUERIES[kind](data={name: values[0] for name, values in params.items()})
    query.is_valid(raise_exception=True)
    filters = dict(query.validated_data)
    geometry = filters.pop("geometry", None)
    if geometry is not None and fmt != "csv":
        raise GovgridError(_("geometry chooses the geometry columns of a CSV export only."), field="geometry")
    if geometry == "lonlat" and not layer.points:
        raise GovgridError(_("Boundaries have no single lon/lat: their CSV carries a WKT column."), field="geometry")
    if not scope.sees_anything:
        raise NotFound(_("You have no areas."))
    area = filters.get("area", "")
    prefixes = scope.read_prefixes(area, field="area")

    values, conditions = {}, []
    for name, value in filters.items():
        if name == "bbox":
            values.update(value)
        elif name == "area" and layer.area_column:
            area_sql, area_values = under_codes_sql(layer.area_column, [value], "area")
            conditions.append(area_sql)
            values.update(area_values)
        else:
            values[name] = value
        if name in layer.conditions:
            conditions.append(layer.conditions[name].replace("{envelope}", ENVELOPE))
    rules = ""
    if layer.scope_column:
        scope_sql, scope_values = scope.sql(layer.scope_column)
        conditions.insert(0, scope_sql)
        statements = [values | scope_values]
    else:  # coverage: the statement runs per code prefix, as the coverage API
        thresholds, today = Thresholds.from_settings(), timezone.localdate()
        queries = [grid_rules(prefix, thresholds=thresholds, today=today) for prefix in prefixes]
        rules = queries[0][0] if queries else ""  # one text for every prefix
        statements = [values | params for _rules, params in queries]
    shown = "FALSE"
    if layer is INCIDENTS:
        shown, shown_values = CASE_CONTACT.sql(scope, "i", name="shown")
        statements = [statement | shown_values for statement in statements]
    where = " AND ".join(conditions) or "TRUE"
    return Export(layer, where, statements, shown, rules, area, wkt=geometry == "wkt")


def _as_lists(params):
    if hasattr(params, "lists"):
        return dict(params.lists())
    return {name: value if isinstance(value, list | tuple) else [value] for name, value in params.items()}
