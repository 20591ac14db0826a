"""The databases a deployment names (govgrid/databases.py): replicas beside the primary, what a
transaction pooler changes, and which views a replica may answer (govgrid/lib/reads.py)."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import resolve

from govgrid import databases
from govgrid.lib.prepared import Prepared
from govgrid.lib.reads import is_read_only
from govgrid.settings import database_from_url

PRIMARY = "postgres://govgrid:secret@db.example:5432/govgrid"
REPLICAS = "postgres://govgrid:secret@standby1.example:5432/govgrid, postgres://govgrid:secret@standby2.example/govgrid"


def test_each_replica_url_becomes_a_replica_database_that_tests_read_as_the_primarys_mirror():
    found = databases.layout(database_from_url, PRIMARY, REPLICAS, "", 2)
    assert list(found) == ["default", "replica1", "replica2"]
    assert [found[a]["HOST"] for a in found] == ["db.example", "standby1.example", "standby2.example"]
    assert found["replica1"]["TEST"] == {"MIRROR": "default"}
    assert found["replica2"]["OPTIONS"]["connect_timeout"] == 2
    assert "connect_timeout" not in found["default"]["OPTIONS"]  # the primary waits as long as it must


def test_no_replica_urls_leave_the_primary_alone():
    assert list(databases.layout(database_from_url, PRIMARY, " ", "", 2)) == ["default"]


def test_a_replica_url_that_is_not_postgres_is_refused_naming_the_setting_and_the_replica():
    with pytest.raises(ImproperlyConfigured, match="GOVGRID_DATABASE_REPLICA_URLS: replica 2"):
        databases.layout(database_from_url, PRIMARY, "postgres://a@b/c,mysql://a@b/c", "", 2)


def test_govgrids_connections_plan_without_jit_and_keep_prepared_plans(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("off", "force_generic_plan")


def test_behind_a_transaction_pooler_no_options_are_sent_and_iterators_hold_no_cursor():
    found = databases.layout(database_from_url, PRIMARY, REPLICAS, "transaction", 2)
    for entry in found.values():
        assert "options" not in entry["OPTIONS"]
        assert entry["DISABLE_SERVER_SIDE_CURSORS"] is True
    direct = databases.layout(database_from_url, PRIMARY, "", "", 2)["default"]
    assert direct["OPTIONS"] == {"options": "-c plan_cache_mode=force_generic_plan -c jit=off"}, "what it sends"
    assert "DISABLE_SERVER_SIDE_CURSORS" not in direct


@pytest.mark.parametrize("mode", ["", "session", "transaction", " Transaction "])
def test_the_pooled_modes_are_none_session_and_transaction(mode):
    assert databases.pooled_mode(mode) == mode.strip().lower()


def test_an_unknown_pooled_mode_is_refused():
    with pytest.raises(ImproperlyConfigured, match="GOVGRID_DATABASE_POOLED"):
        databases.pooled_mode("statement")


TWICE = Prepared("govgrid_test_twice", "SELECT %(n)s::int * 2")


def prepared_here():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = 'govgrid_test_twice'")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_prepared_statement_is_prepared_on_a_direct_connection(settings):
    settings.DATABASE_POOLED = ""
    with connection.cursor() as cursor:
        TWICE.execute(cursor, {"n": 21})
        assert cursor.fetchone() == (42,)
    assert prepared_here() == 1
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE govgrid_test_twice")
    # Forget this statement only: the connection outlives the test, with the statements other tests
    # prepared on it (forgetting them all made every later report PREPARE its statement again).
    connection.govgrid_prepared[1].discard(TWICE.name)


@pytest.mark.django_db
def test_behind_a_transaction_pooler_a_prepared_statement_runs_plainly_and_leaves_nothing(settings):
    settings.DATABASE_POOLED = "transaction"
    with connection.cursor() as cursor:
        TWICE.execute(cursor, {"n": 21})
        assert cursor.fetchone() == (42,)
    assert prepared_here() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/maps/coverage/",
        "/maps/coverage/grid/411381001001001/",
        "/maps/density/",
        "/maps/density/grid/411381001001001/",
        "/maps/tiles/grids/12/3347/1647.pbf",
        "/maps/exports/",
        "/api/v1/export/incidents.csv",
        "/api/v1/export/departments.csv",
        "/api/v1/figures/",
        "/api/v1/figures/departments/",
        "/api/v1/coverage/summary/",
        "/api/v1/coverage/grids/",
    ],
)
def test_the_pages_tiles_figures_and_exports_that_only_read_are_marked_for_replicas(path):
    assert is_read_only(resolve(path).func)


@pytest.mark.parametrize(
    "path", ["/dispatch/", "/api/v1/incidents/", "/api/v1/incidents/411381-20261207-0001/accept/", "/m/"]
)
def test_the_queues_the_cases_and_the_actions_are_not(path):
    assert not is_read_only(resolve(path).func)


def test_while_one_thread_checks_the_replicas_the_others_go_on_with_the_last_check_at_once():
    from govgrid.replicas import Health

    health = Health()
    health.usable, health.checked_at = {"replica1": 42}, 0.0  # long ago: due for a check
    found = []
    with health.lock:  # another thread is checking (a replica taking its connect timeout to answer)
        reader = threading.Thread(target=lambda: found.append(health.current()), daemon=True)
        reader.start()
        reader.join(timeout=2)
    assert found == [{"replica1": 42}]
