"""The weekly visits done, kept per community and week, so that the visits' figures of a year (the
dashboard's Party members' section, the ranking's visits criterion) read a row per community and
week instead of every visit of the year.

grids.duty_weeks says which link-weeks are done: a week due for the link (in force on its Monday and
its Sunday) with a visit of the link dated in it. Two tables keep them:
- grids_visitedweek: per household link and week with a visit, how many visits, and the community
  code of the link's grid when the week is due for the link (`counted_in`, else NULL);
- grids_communityweek: per community code and week, how many of those link-weeks count in it.

Statement triggers on visits (insert, update, delete) and on household links (update, delete: a
link's dates or grid change which of its weeks are due, and where) call
`govgrid_refresh_visited(link ids)` in the writer's transaction. It works the links' weeks out
again from their visits with the rule's own SQL, and adds the difference to the communities'
weeks. It takes the links' rows FOR NO KEY UPDATE in id order first, so two transactions touching
one link take turns, the second starting from the first's weeks; a community's week row is
updated in place, so two writers of visits in one community and week also take turns on it until
they commit (a visit is one member's record: they are few at once). A TRUNCATE of visits or links
empties both tables (there is nothing left to count).

The readers (volunteers.figures) add up the communities' weeks under an area for the period's
weeks (duty_weeks.period_weeks_sql); a grid's figures, or a work unit's, are counted from the
visits as before.
"""

from django.db import connection

from .duty_weeks import _monday_of_sql, week_is_due_sql
from .models import CODE_LENGTH, Level

COMMUNITY_LENGTH = CODE_LENGTH[Level.COMMUNITY]

# rendered for the function's body, which is no statement run with parameters: its modulo as is
_MONDAY = _monday_of_sql("visited_on").replace("%%", "%")
_DUE = week_is_due_sql("l", "v.monday")

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION govgrid_refresh_visited(p_link_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_links bigint[];
    v_before jsonb;
BEGIN
    SELECT array_agg(DISTINCT l ORDER BY l) INTO v_links FROM unnest(p_link_ids) l WHERE l IS NOT NULL;
    IF v_links IS NULL THEN
        RETURN;
    END IF;
    -- one transaction at a time per link, in id order; the statements below see what the one
    -- that held it before committed
    PERFORM 1 FROM grids_householdlink WHERE id = ANY(v_links) ORDER BY id FOR NO KEY UPDATE;
    SELECT coalesce(jsonb_agg(jsonb_build_array(counted_in, monday)), '[]') INTO v_before
        FROM grids_visitedweek WHERE link_id = ANY(v_links) AND counted_in IS NOT NULL;
    DELETE FROM grids_visitedweek WHERE link_id = ANY(v_links);
    INSERT INTO grids_visitedweek (link_id, monday, visits, counted_in)
        SELECT v.link_id, v.monday, v.visits,
               CASE WHEN {_DUE} THEN left(g.code, {COMMUNITY_LENGTH}) END
        FROM (SELECT link_id, {_MONDAY} AS monday, count(*) AS visits
              FROM grids_visit WHERE link_id = ANY(v_links) GROUP BY 1, 2) v
        JOIN grids_householdlink l ON l.id = v.link_id
        JOIN grids_area g ON g.id = l.grid_id;
    -- the difference, in key order (two writers lock the rows they share in the same order)
    INSERT INTO grids_communityweek AS t (community_code, monday, done)
        SELECT code, monday, sum(n)::int FROM (
            SELECT counted_in AS code, monday, 1 AS n
            FROM grids_visitedweek WHERE link_id = ANY(v_links) AND counted_in IS NOT NULL
            UNION ALL
            SELECT b->>0, (b->>1)::date, -1 FROM jsonb_array_elements(v_before) b
        ) d
        GROUP BY code, monday HAVING sum(n) <> 0
        ORDER BY code, monday
        ON CONFLICT (community_code, monday) DO UPDATE SET done = t.done + EXCLUDED.done;
END $$;
"""

# Per table: the links a statement touched, from its transition tables.
_TOUCHED = {
    "grids_visit": "link_id",
    "grids_householdlink": "id",
}


def _triggers(table, column, events):
    transition = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }
    touched = {
        "INSERT": f"SELECT {column} FROM new_rows",
        "UPDATE": f"SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows",
        "DELETE": f"SELECT {column} FROM old_rows",
    }
    branches = "\n    ELSIF ".join(
        f"TG_OP = '{event}' THEN\n        PERFORM govgrid_refresh_visited(ARRAY({touched[event]}));" for event in events
    )
    made = [
        f"""CREATE FUNCTION {table}_visited_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {branches}
    END IF;
    RETURN NULL;
END $$;"""
    ]
    made += [
        f"CREATE TRIGGER visited_{event.lower()} AFTER {event} ON {table} REFERENCING {transition[event]}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {table}_visited_touched();"
        for event in events
    ]
    made.append(
        f"CREATE TRIGGER visited_truncate AFTER TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION govgrid_visited_truncated();"
    )
    return "\n".join(made)


TRUNCATED_FUNCTION = """
CREATE FUNCTION govgrid_visited_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE grids_visitedweek, grids_communityweek;
    RETURN NULL;
END $$;
"""

# a new link has no visit yet: inserting links changes no week
EVENTS = {"grids_visit": ("INSERT", "UPDATE", "DELETE"), "grids_householdlink": ("UPDATE", "DELETE")}


def install_sql():
    """The function, the triggers and the first fill (of a database with visits already)."""
    parts = [REFRESH_FUNCTION, TRUNCATED_FUNCTION]
    parts += [_triggers(table, _TOUCHED[table], events) for table, events in EVENTS.items()]
    parts.append(REBUILD)
    return "\n".join(parts)


def uninstall_sql():
    parts = [f"DROP TRIGGER visited_{e.lower()} ON {t};" for t, events in EVENTS.items() for e in (*events, "TRUNCATE")]
    parts += [f"DROP FUNCTION {t}_visited_touched();" for t in EVENTS]
    parts += ["DROP FUNCTION govgrid_visited_truncated();", "DROP FUNCTION govgrid_refresh_visited(bigint[]);"]
    return "\n".join(parts)


REBUILD = """
TRUNCATE grids_visitedweek, grids_communityweek;
SELECT govgrid_refresh_visited(ARRAY(SELECT DISTINCT link_id FROM grids_visit));
"""


def rebuild():
    """Work every link's weeks out again from the visits (after a bulk load that went around the
    triggers, or to check them)."""
    with connection.cursor() as cursor:
        cursor.execute(REBUILD)
