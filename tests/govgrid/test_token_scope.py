"""Token login reads the scope in the same statement as the token (grids.auth): the scope it
makes must be the one Scope.for_user makes, for every kind of account and every edge of an
assignment's dates, and a refused token must still be refused. The accounts are the cast of a
drawn city (tests/grids/cast.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from govgrid.lib.prepared import Prepared
from grids.auth import ScopedTokenAuthentication
from grids.models import Assignment, Person, Role
from grids.scopes import Scope

ACCOUNTS = ("admin", "leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker", "grid_worker_2")


def token_scope(user):
    token = Token.objects.get_or_create(user=user)[0]
    logged_in, auth = ScopedTokenAuthentication().authenticate_credentials(token.key)
    assert logged_in.pk == user.pk
    assert (auth.key, auth.user_id, auth.created, auth.user) == (token.key, user.pk, token.created, logged_in)
    return logged_in.loaded_scope


def database_scope(user):
    fresh = get_user_model().objects.get(pk=user.pk)  # no scope loaded on it
    return Scope.for_user(fresh)


@pytest.mark.parametrize("username", ACCOUNTS)
def test_the_token_logins_scope_is_the_scope_of_the_account(cast, username):
    user = cast.users[username]
    assert token_scope(user) == database_scope(user)
    assert token_scope(user).sees_anything


def test_a_user_with_no_person_has_an_empty_scope_and_a_person_with_no_role_only_their_id(db):
    user = get_user_model().objects.create_user("nobody", password="x-long-password-1")
    assert token_scope(user) == database_scope(user) == Scope(user_id=user.pk)
    person = Person.objects.create(name="张三", user=user)
    assert token_scope(user) == database_scope(user) == Scope(person_id=person.pk, user_id=user.pk)


def test_assignments_count_from_their_first_day_until_the_day_before_their_end(cast):
    user = get_user_model().objects.create_user("temp_worker", password="x-long-password-1")
    person = Person.objects.create(name="李四", user=user)
    grids = cast.grids[:4]
    today = timezone.localdate()
    for grid, starts, ends in (
        (grids[0], today, None),  # from today: in force
        (grids[1], today + timedelta(days=1), None),  # from tomorrow: not yet
        (grids[2], today - timedelta(days=9), today),  # ended today: no longer
        (grids[3], today - timedelta(days=9), today + timedelta(days=1)),  # ends tomorrow: still
    ):
        Assignment.objects.create(person=person, role=Role.GRID_WORKER, area=grid, starts_on=starts, ends_on=ends)
    scope = token_scope(user)
    assert scope == database_scope(user)
    assert scope.write == (grids[0].code, grids[3].code)


def test_an_unknown_token_and_an_inactive_users_token_answer_401(cast):
    client = Client()
    answer = client.get("/api/v1/areas/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert answer.status_code == 401
    user = cast.users["grid_worker"]
    key = Token.objects.get_or_create(user=user)[0].key
    assert client.get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    user.is_active = False
    user.save()
    answer = client.get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 401
    assert answer.json()["detail"]


def test_a_request_with_a_token_reads_its_scope_in_one_statement(cast):
    user = cast.users["grid_worker"]
    key = Token.objects.get_or_create(user=user)[0].key
    client = Client()
    client.get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Token {key}")  # prepared on this connection
    grid = Scope.for_user(user).write[0]
    statements = []
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        answer = client.get(f"/api/v1/areas/{grid}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 200
    assert statements[0].startswith("EXECUTE govgrid_token_scope")
    assert not any("grids_person" in sql for sql in statements[1:])


def test_a_prepared_statement_is_prepared_again_on_a_new_connection(db):
    statement = Prepared("govgrid_test_twice", "SELECT %(a)s::integer + %(b)s::integer, %(a)s::integer, '100%%'")
    with connection.cursor() as cursor:
        statement.execute(cursor, {"a": 2, "b": 3})
        assert cursor.fetchone() == (5, 2, "100%")
        statement.execute(cursor, {"a": 4, "b": 3})
        assert cursor.fetchone() == (7, 4, "100%")
    other = connections.create_connection("default")  # another session, as after a reconnection
    try:
        with other.cursor() as cursor:
            statement.execute(cursor, {"a": 1, "b": 1})
            assert cursor.fetchone() == (2, 1, "100%")
            cursor.execute("SELECT name FROM pg_prepared_statements")
            assert cursor.fetchall() == [("govgrid_test_twice",)]
    finally:
        other.close()
