"""The rules about areas, scope and coverage each have one home, and where hand-written SQL needs
them they are rendered from it: these tests check, on real PostGIS, that each SQL rendering selects
exactly what its Python rendering selects (and what the rule says, so changing either one fails).

- codes under prefixes: grids.models.areas.under_codes (Q) and under_codes_sql (SQL), through
  Scope.filter and Scope.sql;
- assignments in force: grids.models.people.in_force (Q) and in_force_sql (SQL);
- the dispatcher's right to act: Scope.dispatches_in, from the same rows as the other roles;
- "within, else the caller's whole scope": Scope.read_prefixes;
- the coverage of grids: grids.coverage.grid_rules, by prefix or over a caller's own grids.

The people are the demo's cast in a small drawn city (tests/grids/cast.py).
"""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from govgrid.lib.errors import NotFound
from grids.coverage import grid_coverage, grid_rules
from grids.models import Area, Assignment, HouseholdLink, Level, Person, Role
from grids.models.areas import under_codes, under_codes_sql
from grids.models.people import in_force, in_force_sql
from grids.scopes import Scope

ACCOUNTS = ("admin", "leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker", "grid_worker_2")
TINY = "990001"


def codes_where(condition, params, extra="TRUE", extra_params=None):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM grids_area WHERE {condition} AND {extra}", params | (extra_params or {}))
        return {row[0] for row in cursor.fetchall()}


# --- codes under prefixes -----------------------------------------------------------------------

PREFIX_SETS = {
    "none": (),
    "every code": ("",),
    "the district": (TINY,),
    "a community": (f"{TINY}001001",),
    "a grid and the other street": (f"{TINY}001001002", f"{TINY}002"),
    "a part of a code": (f"{TINY}00100",),
}
TINY_CODES = {
    TINY,
    f"{TINY}001",
    f"{TINY}002",
    f"{TINY}001001",
    f"{TINY}001002",
    f"{TINY}001001001",
    f"{TINY}001001002",
}


@pytest.mark.parametrize("fixed", [False, True], ids=["one LIKE per code", "one array"])
@pytest.mark.parametrize("name", list(PREFIX_SETS))
def test_the_codes_under_prefixes_are_the_same_in_python_and_in_sql(tiny_city, name, fixed):
    prefixes = PREFIX_SETS[name]
    in_python = set(Area.objects.filter(under_codes(prefixes), code__startswith=TINY).values_list("code", flat=True))
    in_sql = codes_where(*under_codes_sql("code", prefixes, fixed=fixed), "code LIKE %(tiny)s", {"tiny": TINY + "%"})
    expected = {code for code in TINY_CODES if any(code.startswith(prefix) for prefix in prefixes)}
    assert in_python == in_sql == expected


def test_one_prefix_in_sql_is_served_by_the_area_codes_pattern_index(tiny_city):
    condition, params = under_codes_sql("code", [f"{TINY}001001"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT code FROM grids_area WHERE {condition}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The prefix becomes a range on the code's own index (an index or bitmap scan, as the planner likes).
    assert re.search(r"Index Cond: .*~>=~ '990001001001'::text.*~<~ '990001001002'::text", plan), plan
    assert "grids_area_code" in plan.split("Index Cond")[0], plan


def test_the_fixed_rendering_has_one_text_whatever_the_codes():
    texts = {under_codes_sql("g.code", codes, "prefer", fixed=True)[0] for codes in PREFIX_SETS.values()}
    assert texts == {"g.code LIKE ANY(%(prefer)s::text[])"}
    scopes = (Scope(), Scope(everything=True), Scope(read=("990003001", "990003002"), write=("990003001",)))
    assert {scope.sql("area_code", name="prefixes", fixed=True)[0] for scope in scopes} == {
        "(%(prefixes_all)s OR area_code LIKE ANY(%(prefixes)s::text[]))"
    }


@pytest.mark.parametrize("fixed", [False, True], ids=["one LIKE per code", "one array"])
@pytest.mark.parametrize("username", ACCOUNTS)
def test_a_scope_selects_the_same_areas_in_sql_as_through_the_orm(cast, username, fixed):
    scope = cast.scope(username)
    every = set(Area.objects.values_list("code", flat=True))
    for writing in (False, True):
        in_python = set(scope.filter(Area.objects.all(), "code", writing=writing).values_list("code", flat=True))
        assert codes_where(*scope.sql("code", writing=writing, fixed=fixed)) == in_python
        assert in_python == {code for code in every if (scope.changes if writing else scope.sees)(code)}
    shown = {code for code in every if scope.shows_personal_data_in(code)}
    assert codes_where(*scope.sql("code", personal=True, fixed=fixed)) == shown


# --- assignments in force -----------------------------------------------------------------------

DAY = date(2026, 7, 1)
# (starts_on, ends_on, in force on DAY)
DATES = (
    (DAY - timedelta(days=1), None, True),  # began yesterday, no end
    (DAY, None, True),  # begins on the day
    (DAY + timedelta(days=1), None, False),  # begins tomorrow
    (DAY - timedelta(days=5), DAY, False),  # ends on the day: no longer
    (DAY - timedelta(days=5), DAY + timedelta(days=1), True),  # ends tomorrow: still
    (DAY - timedelta(days=5), DAY - timedelta(days=1), False),  # ended yesterday
    (DAY, DAY + timedelta(days=1), True),  # the one day
)


def in_force_ids(model, alias, ids, on):
    sql = f"SELECT id FROM {model._meta.db_table} {alias} WHERE {in_force_sql(alias, '%(day)s')} AND id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, {"day": on, "ids": ids})
        return {row[0] for row in cursor.fetchall()}


def test_an_assignment_is_in_force_on_the_same_days_in_python_and_in_sql(tiny_city):
    wang = Person.objects.create(name="王芳")
    grid = tiny_city[f"{TINY}001001001"]
    made = {
        Assignment.objects.create(person=wang, role=Role.GRID_WORKER, area=grid, starts_on=s, ends_on=e).pk: force
        for s, e, force in DATES
    }
    ids = list(made)
    expected = {pk for pk, force in made.items() if force}
    in_python = set(Assignment.objects.filter(in_force(DAY), pk__in=ids).values_list("pk", flat=True))
    assert in_python == in_force_ids(Assignment, "a", ids, DAY) == expected
    assert set(Assignment.objects.active(DAY).filter(pk__in=ids).values_list("pk", flat=True)) == expected


def test_a_household_link_is_in_force_on_the_same_days_in_python_and_in_sql(tiny_city):
    li = Person.objects.create(name="李明", is_party_member=True)
    grid = tiny_city[f"{TINY}001001002"]
    made = {
        HouseholdLink.objects.create(person=li, grid=grid, households=5, starts_on=s, ends_on=e).pk: force
        for s, e, force in DATES
    }
    ids = list(made)
    expected = {pk for pk, force in made.items() if force}
    in_python = set(HouseholdLink.objects.active(DAY).filter(pk__in=ids).values_list("pk", flat=True))
    assert in_python == in_force_ids(HouseholdLink, "h", ids, DAY) == expected


# --- the dispatcher's right to act ----------------------------------------------------------------


def dispatcher_codes(user):
    """The dispatcher's right as the workflow states it through the ORM: dispatcher roles in force."""
    active = Assignment.objects.active().filter(person__user=user, role=Role.DISPATCHER)
    return list(active.values_list("area__code", flat=True))


@pytest.mark.parametrize("username", ACCOUNTS)
def test_a_scope_dispatches_where_a_dispatcher_role_is_in_force(cast, username):
    user = cast.users[username]
    scope = Scope.for_user(user)
    codes = dispatcher_codes(user)
    # Every area of the city, and areas of a district where nobody of the cast serves.
    elsewhere = Area.objects.exclude(code__startswith=cast.code).order_by("code").values_list("code", flat=True)[:20]
    for code in [*sorted(cast.areas), *elsewhere]:
        assert scope.dispatches_in(code) == (scope.everything or any(code.startswith(c) for c in codes)), code


def test_a_community_dispatcher_dispatches_their_communitys_cases_and_a_grid_worker_none(cast):
    dispatcher, worker = cast.scope("community_dispatcher"), cast.scope("grid_worker")
    (grid,) = worker.write
    assert dispatcher.dispatches_in(grid) and dispatcher.dispatches_in(grid[:12])
    assert not dispatcher.dispatches_in(cast.scope("grid_worker_2").write[0])
    assert worker.changes(grid) and not worker.dispatches_in(grid)
    assert cast.scope("street_dispatcher").dispatches_in(grid)
    assert not cast.scope("leader").dispatches_in(grid)
    assert cast.scope("admin").dispatches_in(grid)


def test_a_dispatcher_whose_role_ended_today_no_longer_dispatches(cast):
    user = cast.users["community_dispatcher"]
    (role,) = Assignment.objects.active().filter(person__user=user, role=Role.DISPATCHER)
    code = role.area.code
    Assignment.objects.filter(pk=role.pk).update(starts_on=date(2020, 1, 1), ends_on=timezone.localdate())
    assert not Scope.for_user(get_user_model().objects.get(pk=user.pk)).dispatches_in(code)


@pytest.mark.parametrize(
    ("username", "level"),
    [
        ("street_dispatcher", Level.STREET),
        ("community_dispatcher", Level.COMMUNITY),
        ("grid_worker", Level.GRID),
        ("leader", None),
        ("analyst", None),
    ],
)
def test_a_scope_knows_the_level_its_user_works_at(cast, username, level):
    assert cast.scope(username).works_at == level


# --- within, else the whole scope -----------------------------------------------------------------


def test_without_an_area_a_read_covers_the_whole_scope(cast):
    assert cast.scope("leader").read_prefixes() == [cast.code]
    assert cast.scope("admin").read_prefixes() == list(
        Area.objects.filter(level=Level.DISTRICT).order_by("code").values_list("code", flat=True)
    )
    assert cast.scope("community_dispatcher").read_prefixes() == list(cast.scope("community_dispatcher").read)
    assert Scope().read_prefixes() == []


def test_an_area_in_scope_narrows_a_read_and_one_outside_or_unknown_does_not_exist(cast):
    dispatcher = cast.scope("community_dispatcher")
    (community,) = dispatcher.read
    grid = cast.scope("grid_worker").write[0]
    assert dispatcher.read_prefixes(grid, field="within") == [grid]
    for code in (cast.scope("grid_worker_2").write[0], community[:9] + "999", cast.code + "999999999"):
        with pytest.raises(NotFound) as refused:
            dispatcher.read_prefixes(code, field="within")
        assert refused.value.field == "within" and code in str(refused.value.message)


def test_the_coverage_api_answers_404_for_an_area_that_does_not_exist(cast):
    answer = cast.client("leader").get(f"/api/v1/coverage/grids/?within={cast.code}999")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


# --- coverage of grids --------------------------------------------------------------------------


def test_the_coverage_of_a_callers_own_grids_is_the_coverage_by_prefix(cast):
    community = cast.scope("community_dispatcher").read[0]
    rules, params = grid_rules(source="mine")
    sql = f"""WITH mine AS (SELECT * FROM grids_area WHERE level = 'grid' AND code LIKE %(mine)s)
              SELECT * FROM ({rules}) r ORDER BY code"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params | {"mine": community + "%"})
        columns = [c.name for c in cursor.description]
        over_source = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    by_prefix = grid_coverage(community)
    assert over_source == by_prefix and len(by_prefix) > 1


def test_the_coverage_query_has_one_text_for_every_prefix(db):
    texts = {grid_rules(prefix)[0] for prefix in ("", "990003", "990003001001")}
    assert len(texts) == 1


def test_the_grid_at_a_point_is_the_same_through_the_orm_and_the_sql_text(db):
    """Area.objects.grid_at (the ORM) and Area.objects.sql (the text intake's statement embeds, also
    behind grid_with_chain_at) pick the same grid, chain and area names on a lattice of points over
    a drawn city: inside grids, on shared edges and corners, and outside every grid."""
    from django.contrib.gis.geos import Point

    from incidents.intake import _category_and_grid
    from tests.conftest import DRAWN_CELL, DRAWN_ORIGIN, draw_city

    city = draw_city()
    x0, y0 = DRAWN_ORIGIN
    xmin, ymin, xmax, ymax = city.district.geom.extent
    steps = 4  # a quarter of a cell: every edge and corner of the lattice is hit
    points = [
        Point(x0 + i * DRAWN_CELL / steps, y0 + j * DRAWN_CELL / steps, srid=4326)
        for i in range(-1, int((xmax - x0) / DRAWN_CELL * steps) + 2)
        for j in range(-1, int((ymax - y0) / DRAWN_CELL * steps) + 2)
    ]
    found = 0
    for point in points:
        orm = Area.objects.select_related("parent__parent__parent").grid_at(point)
        sql = Area.objects.grid_with_chain_at(point)
        _, lateral = _category_and_grid("none", point, ())
        if orm is None:
            assert sql is None and lateral is None, point
            continue
        found += 1
        expected = [(area.code, area.name) for area in orm.chain()]
        assert [(area.code, area.name) for area in sql.chain()] == expected, point
        assert [(area.code, area.name) for area in lateral.chain()] == expected, point
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT above.* FROM grids_area g, LATERAL ({Area.objects.sql.areas_above}) above WHERE g.code = %s",
                [orm.code],
            )
            names = Area.objects.sql.chain_names(orm.code, orm.name, *cursor.fetchone())
        assert [(names[area.level]["code"], names[area.level]["name"]) for area in orm.chain()] == expected
    assert 0 < found < len(points)
