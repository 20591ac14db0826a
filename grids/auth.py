"""Token login that reads the caller's scope in the same statement as the token.

Every API request with a token needs both the user and their scope (grids.scopes). One statement
gives the token's user, the user's person and each role in force with its area's code (and the
department or work unit the role names), where the ORM would need one for the token and another
for the roles, and a few times the Python to build them. The scope is made by Scope.from_rows, the
one place of the rule, and kept on the request's user object, where Scope.for_user finds it.

One of intake's speed-ups: docs/speed.md lists them together, with what each costs.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from govgrid.lib.prepared import Prepared

TODAY = "(statement_timestamp() AT TIME ZONE %(zone)s)::date"  # zone: TIME_ZONE


def _token_scope_sql():
    """The user model, its attnames and the statement, from the models' tables and the user model's
    columns. An assignment is in force by grids.models.people.in_force_sql (in_force's SQL); today
    is the date in the site's time zone when the statement runs (TIME_ZONE: govgrid activates no
    other), as timezone.localdate() gives it."""
    from grids.models import Area, Assignment, Person
    from grids.models.people import in_force_sql

    user_model = get_user_model()
    columns = [field.column for field in user_model._meta.concrete_fields]
    return (
        user_model,
        [field.attname for field in user_model._meta.concrete_fields],
        Prepared(
            "govgrid_token_scope",
            f"""
        SELECT {", ".join(f"u.{connection.ops.quote_name(c)}" for c in columns)},
               t.created, p.id, a.role, area.code, a.department_id, a.work_unit_id
        FROM {Token._meta.db_table} t
        JOIN {user_model._meta.db_table} u ON u.id = t.user_id
        LEFT JOIN {Person._meta.db_table} p ON p.user_id = u.id
        LEFT JOIN {Assignment._meta.db_table} a ON a.person_id = p.id
            AND {in_force_sql("a", TODAY)}
        LEFT JOIN {Area._meta.db_table} area ON area.id = a.area_id
        WHERE t.key = %(key)s
            """,
        ),
    )


def token_expired(created):
    """A token works for GOVGRID_TOKEN_TTL_HOURS after it was made: the one rule for the API, Open311's
    api_key and the token login, which hands out a new token for an expired one."""
    return timezone.now() - created >= timedelta(hours=settings.TOKEN_TTL_HOURS)


class _AuthorizationOnly:
    """A request's Authorization header, where DRF's TokenAuthentication looks for it."""

    def __init__(self, request):
        self.headers = {"authorization": request.META.get("HTTP_AUTHORIZATION", b"")}


class ScopedTokenAuthentication(TokenAuthentication):
    statement = None  # (user model, its attnames, Prepared), made on first use, when the models are loaded

    def authenticate(self, request):
        # DRF's TokenAuthentication reads only the Authorization header, through request.headers,
        # which builds a dictionary of every header to find this one: it is given that one alone.
        return super().authenticate(_AuthorizationOnly(request))

    def authenticate_credentials(self, key):
        # Imported here: DRF loads this class while rest_framework.views is still being imported,
        # and grids.scopes (through govgrid.lib.errors) needs that module.
        from grids.scopes import Scope

        if ScopedTokenAuthentication.statement is None:
            ScopedTokenAuthentication.statement = _token_scope_sql()
        user_model, attnames, statement = ScopedTokenAuthentication.statement
        with connection.cursor() as cursor:
            statement.execute(cursor, {"key": key, "zone": settings.TIME_ZONE})
            rows = cursor.fetchall()
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        count = len(attnames)
        # The token's `created` comes with the row read anyway: checking it costs no query.
        if token_expired(rows[0][count]):
            raise exceptions.AuthenticationFailed(_("The token has expired: log in again for a new one."))
        user = user_model.from_db(connection.alias, attnames, rows[0][:count])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        serving = [row[count + 1 :] for row in rows]
        user.loaded_scope = Scope.from_rows(user, serving if serving[0][0] is not None else [])
        token = Token.from_db(connection.alias, ["key", "user_id", "created"], (key, user.pk, rows[0][count]))
        token.user = user
        return user, token


def client_address(request):
    """The caller's IP address, for every throttle: REMOTE_ADDR, or the address our own proxy wrote in
    GOVGRID_TRUSTED_PROXY_HEADER (nginx's X-Real-IP, or X-Forwarded-For counted GOVGRID_TRUSTED_PROXY_HOPS
    entries from the right: entries further left were written by the client and prove nothing).
    A request without a usable header came past the proxy and is known by REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or None
    header = settings.TRUSTED_PROXY_HEADER
    if not header:
        return remote
    value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    if header.lower() == "x-forwarded-for":
        entries = [entry.strip() for entry in value.split(",")]
        value = entries[-settings.TRUSTED_PROXY_HOPS] if len(entries) >= settings.TRUSTED_PROXY_HOPS else ""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return remote
