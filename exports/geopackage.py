"""A GeoPackage (OGC 12-128, version 1.2, as GDAL 3.6 writes it) of one feature table, written with
Python's sqlite3 from row batches, so memory stays flat whatever the number of features.

PostGIS makes each geometry's GeoPackage blob (exports.plan.Layer.select); this module writes the
tables the standard requires (spatial reference systems, contents, geometry columns, extensions),
the feature table, and the R-tree spatial index with the triggers that keep it right when a GIS
tool edits the file later.
"""

import sqlite3
from datetime import UTC, datetime

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10200  # GeoPackage 1.2
WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
    'AUTHORITY["EPSG","4326"]]'
)
# The three systems every GeoPackage has: undefined Cartesian, undefined geographic, WGS 84.
SPATIAL_REF_SYS = [
    ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined", "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84, "longitude/latitude in decimal degrees on the WGS 84 spheroid"),
]

_SCHEMA = """
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
    description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
    table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
    scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""

# The R-tree triggers of GeoPackage 1.2 (Annex F.3) for table "{t}", geometry "geom", id "fid". The
# ST_* functions are those every GeoPackage reader registers (GDAL, QGIS); they run only on later edits.
_RTREE_TRIGGERS = """
CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON "{t}"
WHEN (new."geom" NOT NULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES
    (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update1" AFTER UPDATE OF "geom" ON "{t}"
WHEN OLD."fid" = NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES
    (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF "geom" ON "{t}"
WHEN OLD."fid" = NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END;
CREATE TRIGGER "rtree_{t}_geom_update3" AFTER UPDATE ON "{t}"
WHEN OLD."fid" != NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES
    (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON "{t}"
WHEN OLD."fid" != NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id IN (OLD."fid", NEW."fid"); END;
CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON "{t}" WHEN old."geom" NOT NULL
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END;
"""


def write(path, table, geometry_type, columns, batches, description=""):
    """Write a GeoPackage at `path` with one feature table.

    `columns`: (name, GeoPackage type) of the attributes; `batches`: lists of rows, each row the
    attributes in that order, then the geometry blob, then minx, maxx, miny, maxy. Returns the
    number of features.
    """
    db = sqlite3.connect(path)
    try:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {USER_VERSION}")
        db.execute("PRAGMA journal_mode = OFF")  # a fresh temporary file: nothing to roll back to
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", SPATIAL_REF_SYS)
        attributes = "".join(f', "{name}" {kind}' for name, kind in columns)
        fid = '"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL'
        db.execute(f'CREATE TABLE "{table}" ({fid}, "geom" {geometry_type}{attributes})')
        db.execute(f'CREATE VIRTUAL TABLE "rtree_{table}_geom" USING rtree(id, minx, maxx, miny, maxy)')
        names = "".join(f', "{name}"' for name, _kind in columns)
        placeholders = ", ".join("?" * (len(columns) + 2))
        insert_feature = f'INSERT INTO "{table}" ("fid", "geom"{names}) VALUES ({placeholders})'
        insert_bounds = f'INSERT INTO "rtree_{table}_geom" VALUES (?, ?, ?, ?, ?)'
        n, extent = 0, None
        width = len(columns)
        for rows in batches:
            features, bounds = [], []
            for row in rows:
                n += 1
                features.append((n, row[width], *row[:width]))
                bounds.append((n, *row[width + 1 :]))
            db.executemany(insert_feature, features)
            db.executemany(insert_bounds, bounds)
            extent = _grow(extent, bounds)
        minx, maxx, miny, maxy = extent or (None, None, None, None)
        db.execute(
            "INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, 4326)",
            (table, table, description, _now(), minx, miny, maxx, maxy),
        )
        db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)", (table, geometry_type))
        db.execute(
            "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
            "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
            (table,),
        )
        db.executescript(_RTREE_TRIGGERS.replace("{t}", table))
        db.commit()
        return n
    finally:
        db.close()


def _grow(extent, bounds):
    if not bounds:
        return extent
    box = (
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        min(b[3] for b in bounds),
        max(b[4] for b in bounds),
    )
    if extent is None:
        return box
    return (min(extent[0], box[0]), max(extent[1], box[1]), min(extent[2], box[2]), max(extent[3], box[3]))


def _now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
