"""The weekly visits' weeks due and done, kept per area and week, so that the visits' figures of a
year (the dashboard's Party members' section, the ranking's visits criterion) read a few rows per
area and week instead of every household link and every visit of the year.

grids.duty_weeks says which link-weeks are due (the link in force on the week's Monday and Sunday:
the Mondays from duty_weeks.first_due_monday_sql's to before first_not_due_monday_sql's) and done
(a week due with a visit of the link dated in it). Three tables keep them:
- grids_dueweekchange: per district, street and community (the length of its code) and Monday, how
  many more links owe a visit from that week on than the week before (+1 a link's first week due,
  -1 its first week no longer due). A period's weeks due under an area are each change times the
  period's weeks from its Monday on: for a district of 282,000 links, some 100 rows.
- grids_visitedweek: per household link and week with a visit, how many visits, and the community
  code of the link's grid when the week is due for the link (`counted_in`, else NULL);
- grids_communityweek: per community code and week, how many of those link-weeks count in it.

A statement trigger on household links (insert, update, delete) adds the changes its old and new
rows make to grids_dueweekchange, in key order. Statement triggers on visits (insert, update,
delete) and on household links (update, delete: a link's dates or grid change which of its weeks
are due, and where) call `govgrid_refresh_visited(link ids)` in the writer's transaction. It works
the links' weeks out again from their visits with the rule's own SQL, and adds the difference to
the communities' weeks. It takes the links' rows FOR NO KEY UPDATE in id order first, so two
transactions touching one link take turns, the second starting from the first's weeks. A row of
an area's week is updated in place, so two writers in one area and week take turns on it until
they commit (links and visits are written by people, a few at a time). A TRUNCATE of visits
empties the weeks done, of links all three (nothing is left to count).

The readers (volunteers.figures) add up the rows under an area for the period's weeks
(duty_weeks.period_weeks_sql); a grid's figures, or a work unit's, are counted from the links and
visits as before.
"""

from django.db import connection

from govgrid.lib.statement_triggers import drop_statement_triggers_sql, statement_triggers_sql

from .duty_weeks import _monday_of_sql, first_due_monday_sql, first_not_due_monday_sql, week_is_due_sql
from .models import CODE_LENGTH, Level

COMMUNITY_LENGTH = CODE_LENGTH[Level.COMMUNITY]
# the levels whose changes of weeks due are kept: a district's, a street's and a community's
DUE_LENGTHS = tuple(CODE_LENGTH[level] for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY))


def _unescaped(sql):
    """Text written for a statement run with parameters (its modulo %%) as the functions' bodies
    need it, which are no such statements: the modulo as is."""
    return sql.replace("%%", "%")


_MONDAY = _unescaped(_monday_of_sql("visited_on"))
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


# The changes of weeks due that the links of {links} (grid_id, starts_on, ends_on and a sign: +1
# the rows written, -1 those replaced or deleted) make, added up per area and Monday.
_DUE_CHANGES = f"""
    INSERT INTO grids_dueweekchange AS t (length, code, monday, change)
    SELECT lv.length, left(g.code, lv.length), ev.monday, sum(l.sign * ev.n)::int
    FROM ({{links}}) l
    JOIN grids_area g ON g.id = l.grid_id
    CROSS JOIN LATERAL (SELECT {_unescaped(first_due_monday_sql("l"))} AS first_due,
                               {_unescaped(first_not_due_monday_sql("l"))} AS first_not_due) d
    CROSS JOIN LATERAL (VALUES (d.first_due, 1), (d.first_not_due, -1)) ev (monday, n)
    CROSS JOIN (VALUES {", ".join(f"({length})" for length in DUE_LENGTHS)}) lv (length)
    WHERE ev.monday IS NOT NULL AND (d.first_not_due IS NULL OR d.first_not_due > d.first_due)
    GROUP BY 1, 2, 3 HAVING sum(l.sign * ev.n) <> 0
    ORDER BY 1, 2, 3  -- two writers lock the rows they share in the same order
    ON CONFLICT (length, code, monday) DO UPDATE SET change = t.change + EXCLUDED.change"""

_LINKS_OF = {
    "INSERT": "SELECT grid_id, starts_on, ends_on, 1 AS sign FROM new_rows",
    "DELETE": "SELECT grid_id, starts_on, ends_on, -1 AS sign FROM old_rows",
    "UPDATE": "SELECT grid_id, starts_on, ends_on, 1 AS sign FROM new_rows"
    " UNION ALL SELECT grid_id, starts_on, ends_on, -1 FROM old_rows",
}

DUE_FUNCTION = f"""
CREATE FUNCTION grids_householdlink_due_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_DUE_CHANGES.replace("{links}", _LINKS_OF["INSERT"])};
    ELSIF TG_OP = 'DELETE' THEN{_DUE_CHANGES.replace("{links}", _LINKS_OF["DELETE"])};
    ELSE{_DUE_CHANGES.replace("{links}", _LINKS_OF["UPDATE"])};
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION govgrid_links_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE grids_dueweekchange;
    RETURN NULL;
END $$;
""" + statement_triggers_sql(
    "due",
    "grids_householdlink",
    "grids_householdlink_due_changed",
    ("INSERT", "UPDATE", "DELETE"),
    "govgrid_links_truncated",
)

REBUILD_DUE = (
    "TRUNCATE grids_dueweekchange;"
    + _DUE_CHANGES.replace("{links}", "SELECT grid_id, starts_on, ends_on, 1 AS sign FROM grids_householdlink")
    + ";"
)


def install_due_sql():
    """The trigger that keeps the changes of weeks due, and their first fill."""
    return f"{DUE_FUNCTION}\n{REBUILD_DUE}"


def uninstall_due_sql():
    return (
        drop_statement_triggers_sql("due", "grids_householdlink", ("INSERT", "UPDATE", "DELETE"))
        + "\nDROP FUNCTION grids_householdlink_due_changed(); DROP FUNCTION govgrid_links_truncated();"
    )


# Per table: the links a statement touched, from its transition tables.
_TOUCHED = {
    "grids_visit": "link_id",
    "grids_householdlink": "id",
}


def _triggers(table, column, events):
    touched = {
        "INSERT": f"SELECT {column} FROM new_rows",
        "UPDATE": f"SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows",
        "DELETE": f"SELECT {column} FROM old_rows",
    }
    branches = "\n    ELSIF ".join(
        f"TG_OP = '{event}' THEN\n        PERFORM govgrid_refresh_visited(ARRAY({touched[event]}));" for event in events
    )
    function = f"""CREATE FUNCTION {table}_visited_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {branches}
    END IF;
    RETURN NULL;
END $$;"""
    triggers = statement_triggers_sql("visited", table, f"{table}_visited_touched", events, "govgrid_visited_truncated")
    return f"{function}\n{triggers}"


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
    parts = [drop_statement_triggers_sql("visited", table, events) for table, events in EVENTS.items()]
    parts += [f"DROP FUNCTION {t}_visited_touched();" for t in EVENTS]
    parts += ["DROP FUNCTION govgrid_visited_truncated();", "DROP FUNCTION govgrid_refresh_visited(bigint[]);"]
    return "\n".join(parts)


REBUILD = """
TRUNCATE grids_visitedweek, grids_communityweek;
SELECT govgrid_refresh_visited(ARRAY(SELECT DISTINCT link_id FROM grids_visit));
"""


def rebuild():
    """Work every link's weeks out again from the visits and the links (after a bulk load that went
    around the triggers, or to check them)."""
    with connection.cursor() as cursor:
        cursor.execute(REBUILD)
        cursor.execute(REBUILD_DUE)
