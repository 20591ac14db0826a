"""What each kind of export holds: its columns (each with its SQL, its GeoPackage type and how it
is written as JSON), its geometry, and the statement that reads its rows (exports.plan runs it).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from govgrid.lib.spreadsheet import safe_cell_sql
from grids.models import CODE_LENGTH, Level, valid_on_sql
from grids.personal import PHONE_MASK
from incidents.models import is_open_sql

DECIMALS = 7  # coordinate decimals: 1 cm, as the areas API; RFC 7946 advises no more than needed
NUMERIC = ("INTEGER", "REAL")  # column types whose CSV cells are numbers


# ----------------------------------------------------------------------


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


INCIDENT_COLUMNS = (
    Column("code", "i.code", plain=True),
    Column("category", "c.code"),
    Column("category_name", "c.name"),
    Column("status", "i.status", plain=True),
    Column("level", "i.level", plain=True),
    Column("area_code", "i.area_code", plain=True),  # the area now responsible for the case
    Column("grid", "g.code", plain=True),  # where it was reported
    Column("grid_name", "g.name"),
    Column("community", f"left(g.code, {CODE_LENGTH[Level.COMMUNITY]})", plain=True),
    Column("street", f"left(g.code, {CODE_LENGTH[Level.STREET]})", plain=True),
    Column("description", "i.description"),
    Column("channel", "i.channel", plain=True),
    Column("reported_at", moment("i.reported_at"), "DATETIME"),
    Column("received_at", moment("i.received_at"), "DATETIME"),
    Column("due_at", moment("i.due_at"), "DATETIME"),
    Column("overdue", f"({is_open_sql('i.status')} AND i.due_at < now())", "BOOLEAN"),
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
    Column("area_km2", "round(a.area_km2::numeric, 4)::float8", "REAL"),
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
    # the Party group's duties (三个一): reported always, counted in `status` only where COVERAGE_RULES names them
    Column("visit_weeks_due", "r.visit_weeks_due::integer", "INTEGER"),
    Column("visit_weeks_done", "r.visit_weeks_done::integer", "INTEGER"),
    Column("analysis_meetings", "r.analysis_meetings::integer", "INTEGER"),
    Column("ok_visits", "r.ok_visits", "BOOLEAN"),
    Column("ok_analysis", "r.ok_analysis", "BOOLEAN"),
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
    unless_as_of: str = ""  # SQL: the condition when no `as_of` is given (the current areas)

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
        "as_of": valid_on_sql("a", "%(as_of)s"),
    },
    scope_column="a.code",
    area_column="a.code",
    unless_as_of=valid_on_sql("a"),
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
