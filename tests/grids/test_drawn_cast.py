"""The drawn city's cast (tests/conftest.py: DrawnCity.staff) has the scopes the demo's accounts
have, so a test can take its people from a drawn city instead of the demo."""

from grids.models import Role


def test_each_of_the_cast_sees_and_dispatches_what_its_role_gives(staffed_city):
    city = staffed_city
    worker_grid, other_grid = city.grid_of("grid_worker"), city.grid_of("grid_worker_2")
    community, street = worker_grid.parent, worker_grid.parent.parent
    assert other_grid.parent.parent != street
    assert city.code in city.scope("admin").read_prefixes()  # every district
    assert city.scope("leader").read_prefixes() == [city.code]
    assert city.scope("analyst").read_prefixes() == [city.code]
    assert city.scope("street_dispatcher").read_prefixes() == [street.code]
    assert city.scope("community_dispatcher").read_prefixes() == [community.code]
    assert city.scope("grid_worker").read_prefixes() == [worker_grid.code]
    assert city.scope("grid_worker_2").read_prefixes() == [other_grid.code]
    for name in ("street_dispatcher", "street_closer"):
        assert city.scope(name).dispatches_in(worker_grid.code)
        assert not city.scope(name).dispatches_in(other_grid.code)
    assert not city.scope("grid_worker").dispatches_in(worker_grid.code)
    assert city.users["grid_worker"].person.assignments.get().role == Role.GRID_WORKER


def test_the_cast_logs_in_and_opens_the_dispatch_queue(staffed_city):
    assert staffed_city.client("street_dispatcher").get("/dispatch/").status_code == 200
