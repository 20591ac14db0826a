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

from govgrid.lib.errors import GovgridError, NotFound
from grids.coverage import Thresholds, grid_results
from grids.personal import CASE_CONTACT
from grids.scopes import under_codes_sql

from . import geopackage
from .filters import FILTERS, QUERIES
from .layers import INCIDENTS, LAYERS, Layer

FORMATS = ("geojson", "geojsonl", "csv", "gpkg")
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "geojsonl": "application/x-ndjson",  # newline-delimited; RFC 8142's geo+json-seq would need RS separators
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
BATCH_ROWS = 2000  # rows fetched from the server-side cursor at a time (about 1 MB of incidents)


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
        # On the database the request reads from (a read replica for a GET: govgrid/replicas.py).
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                # An export reads its cursor to the end: planned for the first tenth of its rows (a
                # cursor's default), a street's month of cases walked the whole case table in id
                # order to skip the first rows' sort (1.5 s at 2,000,000 cases against 0.1 s).
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
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
    if layer.unless_as_of and "as_of" not in filters:
        conditions.append(layer.unless_as_of)
    rules = ""
    if layer.scope_column:
        scope_sql, scope_values = scope.sql(layer.scope_column)
        conditions.insert(0, scope_sql)
        statements = [values | scope_values]
    else:  # coverage: the statement runs per code prefix, as the coverage API
        # today's from the maintained coverage table when it holds them, a past day's live
        thresholds, as_of = Thresholds.from_settings(), filters.get("as_of")
        queries = [grid_results(prefix, thresholds=thresholds, today=as_of) for prefix in prefixes]
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
