"""The coverage table's rebuild judges every grid into a table of its own and copies what changed
into the readers' table at its end (grids.coverage_table.rebuild): meanwhile the writers go on
judging the grids they touch into the readers' table, and note them for the rebuild's last step.

State row 1 is the readers' table's; state row 2, while it exists, the rebuild's under way."""

from importlib import import_module

from django.db import migrations

# Back: the writers' function as 0010 made it
REFRESH_FUNCTION_0010 = import_module("grids.migrations.0010_coverage_pending").REFRESH_FUNCTION

# The rebuild's own table: only the worker's rebuild reads and writes it, on the primary, and it
# is emptied at the start of each rebuild, so it need not be written to the WAL (nor replicated).
NEXT_TABLE = """
CREATE UNLOGGED TABLE grids_gridcoveragenext (LIKE grids_gridcoverage INCLUDING DEFAULTS);
ALTER TABLE grids_gridcoveragenext ADD PRIMARY KEY (grid_id);
"""

REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION govgrid_refresh_coverage(p_grid_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_ready boolean;
BEGIN
    IF p_grid_ids IS NULL OR cardinality(p_grid_ids) = 0 THEN
        RETURN;
    END IF;
    -- FOR SHARE: a rebuild's first and last steps (which lock this row FOR UPDATE) wait for this
    -- transaction, and this one for them
    SELECT ready INTO v_ready FROM grids_coveragestate WHERE id = 1 FOR SHARE;
    IF NOT FOUND THEN
        RETURN;  -- never built: the readers compute live until the worker builds it
    END IF;
    IF v_ready THEN
        PERFORM govgrid_judge_coverage(p_grid_ids);
    END IF;
    -- A rebuild under way (state row 2), or a table left alone for a bulk load: the rebuild's last
    -- step judges these again. In id order, so that two writers noting the same grids cannot wait
    -- on each other.
    PERFORM 1 FROM grids_coveragestate WHERE id = 2 FOR SHARE;
    IF FOUND OR NOT v_ready THEN
        INSERT INTO grids_coveragepending (grid_id)
            SELECT DISTINCT g FROM unnest(p_grid_ids) g WHERE g IS NOT NULL ORDER BY g
            ON CONFLICT DO NOTHING;
    END IF;
END $$;
"""

# A TRUNCATE of a table the rules read changes grids no trigger names: the readers compute live,
# and a rebuild under way, which may have judged the rows before it, is called off (its last
# step finds no state row 2 and leaves the table to the worker's next rebuild).
TRUNCATED_FUNCTION = """
CREATE OR REPLACE FUNCTION govgrid_coverage_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grids_coveragestate SET ready = false WHERE id = 1;
    DELETE FROM grids_coveragestate WHERE id = 2;
    RETURN NULL;
END $$;
"""

TRUNCATED_FUNCTION_0009 = """
CREATE OR REPLACE FUNCTION govgrid_coverage_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grids_coveragestate SET ready = false;  -- rebuilt by the worker; read live until then
    RETURN NULL;
END $$;
"""

BACKWARD = """
DELETE FROM grids_coveragestate WHERE id = 2;
DROP FUNCTION IF EXISTS govgrid_judge_coverage_next(bigint[]);
DROP TABLE grids_gridcoveragenext;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0011_area_km2_kept"),
    ]

    operations = [
        migrations.RunSQL(
            NEXT_TABLE + REFRESH_FUNCTION + TRUNCATED_FUNCTION,
            BACKWARD + REFRESH_FUNCTION_0010 + TRUNCATED_FUNCTION_0009,
        ),
    ]
