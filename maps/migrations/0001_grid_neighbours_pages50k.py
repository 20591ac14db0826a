"""The neighbours of each current grid, kept by the database (maps.queries reads them for the density
map's hot spots).

Getis-Ord Gi* sums each grid's rate with those of the grids it touches. Finding them by geometry on
each request cost about 3 s for 50,000 grids (an index probe and ST_Intersects per grid), though
they change only when a boundary does. maps_gridneighbour holds every pair (grid, neighbour) of
current grids whose boundaries intersect, each grid with itself included, both ways; the statement
triggers on grids_area refresh the pairs of every grid a statement inserts, or whose geometry,
level or end of validity it changes, in that statement's transaction, with the rule's own SQL
(maps_refresh_grid_neighbours); a statement deleting grids removes their pairs, a TRUNCATE all of
them. No foreign key: a table Django does not know of must not stop its TRUNCATE of grids_area
(the tests' flush).
"""

from django.db import migrations

FORWARD = """
CREATE TABLE maps_gridneighbour (
    grid_id bigint NOT NULL,
    neighbour_id bigint NOT NULL,
    PRIMARY KEY (grid_id, neighbour_id)
);
CREATE INDEX maps_gridneighbour_neighbour ON maps_gridneighbour (neighbour_id);

-- The rule, written once: two current grids are neighbours when their boundaries intersect (a
-- shared edge or corner; a grid is its own neighbour). Refreshes the pairs of the grids p_ids.
CREATE FUNCTION maps_refresh_grid_neighbours(p_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM maps_gridneighbour WHERE grid_id = ANY(p_ids) OR neighbour_id = ANY(p_ids);
    INSERT INTO maps_gridneighbour (grid_id, neighbour_id)
        SELECT pair.grid_id, pair.neighbour_id
        FROM grids_area a
        JOIN grids_area b ON b.level = 'grid' AND b.valid_to IS NULL AND ST_Intersects(a.geom, b.geom)
        CROSS JOIN LATERAL (VALUES (a.id, b.id), (b.id, a.id)) AS pair (grid_id, neighbour_id)
        WHERE a.id = ANY(p_ids) AND a.level = 'grid' AND a.valid_to IS NULL
    ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION maps_grid_neighbours_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM maps_refresh_grid_neighbours(ARRAY(SELECT id FROM new_rows WHERE level = 'grid'));
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM maps_gridneighbour WHERE grid_id IN (SELECT id FROM old_rows)
            OR neighbour_id IN (SELECT id FROM old_rows);
    ELSE
        PERFORM maps_refresh_grid_neighbours(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.level = 'grid' OR o.level = 'grid')
              AND (n.level IS DISTINCT FROM o.level OR n.valid_to IS DISTINCT FROM o.valid_to
                   OR n.geom IS DISTINCT FROM o.geom)));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER grid_neighbours_insert AFTER INSERT ON grids_area
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION maps_grid_neighbours_touched();
CREATE TRIGGER grid_neighbours_update AFTER UPDATE ON grids_area
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_grid_neighbours_touched();
CREATE TRIGGER grid_neighbours_delete AFTER DELETE ON grids_area
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION maps_grid_neighbours_touched();

CREATE FUNCTION maps_grid_neighbours_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE maps_gridneighbour;
    RETURN NULL;
END $$;
CREATE TRIGGER grid_neighbours_truncate AFTER TRUNCATE ON grids_area
    FOR EACH STATEMENT EXECUTE FUNCTION maps_grid_neighbours_truncated();

SELECT maps_refresh_grid_neighbours(ARRAY(SELECT id FROM grids_area WHERE level = 'grid' AND valid_to IS NULL));
"""

BACKWARD = """
DROP TRIGGER grid_neighbours_insert ON grids_area;
DROP TRIGGER grid_neighbours_update ON grids_area;
DROP TRIGGER grid_neighbours_delete ON grids_area;
DROP TRIGGER grid_neighbours_truncate ON grids_area;
DROP FUNCTION maps_grid_neighbours_touched();
DROP FUNCTION maps_grid_neighbours_truncated();
DROP FUNCTION maps_refresh_grid_neighbours(bigint[]);
DROP TABLE maps_gridneighbour;
"""


class Migration(migrations.Migration):
    dependencies = [("grids", "0009_table_coverage")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
