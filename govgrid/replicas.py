"""Reads on read replicas: which database answers a request, decided once per request.

A request reads from a replica only when all of these hold; otherwise everything goes to the primary
(`default`):

    | replicas configured        | GOVGRID_DATABASE_REPLICA_URLS names at least one             |
    | the method only reads      | GET or HEAD                                                  |
    | the view only reads        | marked `read_only` (govgrid.lib.reads): pages, tiles, figures, exports |
    | the user has not just written | no read-your-own-write cookie, or a replica has replayed past it |
    | a replica is up to date    | answering, in recovery, lagging at most REPLICA_MAX_LAG_SECONDS |

The choice is a context variable set when the view is known (`ChooseDatabase.process_view`) and
kept until the answer has been sent (a streamed export reads while it is sent), so one page never
mixes two databases' views. The router sends the ORM's reads to it and every write to the primary;
`django.db.connection`, which govgrid's hand-written SQL uses, follows it too. Inside a transaction
on the primary (`transaction.atomic()`) everything stays on the primary: a transaction reads what it
writes and locks what it reads.

Read-your-own-write. After a request that may have changed data (not GET/HEAD/OPTIONS, answered
below 400: a form, an action on a case, a phone's outbox sending a report), the answer carries a
signed cookie with the primary's WAL position just after it (`pg_current_wal_lsn()`); while it
lasts, that client's reads go to a replica only if its replayed position (`pg_last_wal_replay_lsn()`)
is past it, so the case just acted on is read as it now is. The cookie lives REPLICA_MAX_LAG_SECONDS
plus a check: after that any replica still in use has replayed the write. A position rather than a
fixed time: a replica that keeps up is used again at once, and one that falls behind is not trusted
just because some seconds passed. Clients that keep no cookies (scripts with a token) get no such
promise beyond the lag bound.

Health. Each process checks the replicas at most every REPLICA_CHECK_SECONDS, not per request: the
primary's WAL position, then each replica's replayed position and last replayed transaction's time.
A replica that has replayed up to the primary's position is current however long ago the last write
was (an idle primary); one behind it lags by `now() - pg_last_xact_replay_timestamp()`. A replica
that does not answer (connect timeout REPLICA_CONNECT_TIMEOUT) is skipped until the next check. A
replica that fails while a view reads from it (stopped between two checks) is marked down and the
view runs again on the primary: the request still answers.
"""

import logging
import random
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.core import signals
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.connection import ConnectionProxy

from govgrid.lib.reads import is_read_only

log = logging.getLogger(__name__)

COOKIE = "govgrid_wal"  # the read-your-own-write cookie: the primary's WAL position after a write
COOKIE_SALT = "govgrid.replicas"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
READ_METHODS = ("GET", "HEAD")
ALWAYS_PRIMARY = 2**64  # a WAL position no replica reaches: the primary until the cookie ends

_chosen = ContextVar("govgrid_replica", default=None)  # the replica alias this request reads from


def replica_aliases():
    return [alias for alias in connections.settings if alias != DEFAULT_DB_ALIAS]


def reading_alias():
    """The database this request reads from now: its replica, unless none was chosen or a
    transaction is open on the primary."""
    alias = _chosen.get()
    if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


class ReadFromReplicas:
    """The database router (settings.DATABASE_ROUTERS): reads where the request reads, writes and
    migrations on the primary."""

    def db_for_read(self, model, **hints):
        return reading_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's very rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class RequestConnection(ConnectionProxy):
    """`django.db.connection` made to follow the request's choice: hand-written SQL (figures, tiles,
    exports) reads where the ORM reads, without each module naming a database."""

    @property
    def _alias(self):
        return reading_alias()


def follow_requests_with_connection():
    """Only with replicas configured: without them `django.db.connection` stays Django's own."""
    import django.db

    if replica_aliases() and type(django.db.connection) is ConnectionProxy:
        # Past the proxy's own __setattr__, which would set the attribute on the connection it stands for.
        object.__setattr__(django.db.connection, "__class__", RequestConnection)


# --- health ------------------------------------------------------------------------------------

PRIMARY_POSITION = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
REPLICA_STATE = """
    SELECT pg_is_in_recovery(),
           pg_last_wal_replay_lsn() - '0/0'::pg_lsn,
           extract(epoch FROM now() - pg_last_xact_replay_timestamp())
"""


class Health:
    """Each replica's state as this process last saw it: {alias: replayed WAL position} of those
    usable, checked at most every REPLICA_CHECK_SECONDS."""

    def __init__(self):
        self.usable = {}
        self.checked_at = None
        self.lock = threading.Lock()

    def current(self):
        """The usable replicas. One thread of a process checks them when the last check is old; the
        others go on with what it found before (none at first: the primary), rather than all waiting
        for a replica that takes its connect timeout to answer."""
        if self.checked_at is None or time.monotonic() - self.checked_at >= settings.REPLICA_CHECK_SECONDS:
            if self.lock.acquire(blocking=False):
                try:
                    self.usable = check_replicas()
                    self.checked_at = time.monotonic()
                finally:
                    self.lock.release()
        return self.usable

    def mark_down(self, alias):
        # A new dict, not a change to the one other threads may be reading.
        self.usable = {a: position for a, position in self.usable.items() if a != alias}


health = Health()


def check_replicas():
    """{alias: replayed position} of the replicas that answer, replay, and lag within the bound."""
    try:
        primary = fetch_one(DEFAULT_DB_ALIAS, PRIMARY_POSITION)[0]
    except DatabaseError:
        return {}
    usable = {}
    for alias in replica_aliases():
        try:
            state = fetch_one(alias, REPLICA_STATE)
        except DatabaseError as error:
            log.warning("replica %s skipped: %s", alias, str(error).strip())
            connections[alias].close()
            continue
        replayed = usable_position(primary, state, alias)
        if replayed is not None:
            usable[alias] = replayed
    return usable


def usable_position(primary, state, alias="replica"):
    """A replica's replayed position when it may answer, from the primary's position and its
    REPLICA_STATE row; None (and why, logged) for one that is no standby or lags beyond the bound."""
    in_recovery, replayed, seconds_behind = state
    if not in_recovery or replayed is None:
        log.warning("replica %s skipped: it is not a standby in recovery", alias)
        return None
    lag = 0.0 if replayed >= primary else seconds_behind
    if lag is None or lag > settings.REPLICA_MAX_LAG_SECONDS:
        log.warning("replica %s skipped: %s s behind the primary", alias, lag)
        return None
    return int(replayed)


def fetch_one(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


# --- the choice per request ------------------------------------------------------------------------


def written_position(request):
    """The WAL position of this client's last write, while its cookie lasts; 0 with none."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT, max_age=cookie_seconds())
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return ALWAYS_PRIMARY


def cookie_seconds():
    return int(settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS) + 1


def choose_replica(request):
    """A replica that has replayed past this client's last write, or None for the primary."""
    written = written_position(request)
    candidates = [alias for alias, replayed in health.current().items() if replayed >= written]
    return random.choice(candidates) if candidates else None


def remember_write(response):
    """The read-your-own-write cookie, with the primary's position just after this request's write."""
    try:
        position = int(fetch_one(DEFAULT_DB_ALIAS, PRIMARY_POSITION)[0])
    except DatabaseError:
        position = ALWAYS_PRIMARY
    response.set_signed_cookie(
        COOKIE,
        str(position),
        salt=COOKIE_SALT,
        max_age=cookie_seconds(),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class ChooseDatabase:
    """The middleware that makes the choice (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = bool(replica_aliases())
        if self.enabled:
            follow_requests_with_connection()

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        _chosen.set(None)  # a thread's earlier request never decides for this one
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            remember_write(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if self.enabled and request.method in READ_METHODS and is_read_only(view_func):
            request.govgrid_view = (view_func, view_args, view_kwargs)
            _chosen.set(choose_replica(request))

    def process_exception(self, request, exception):
        """A database error while reading from a replica: the view runs again on the primary, and a
        replica that no longer answers (stopped between two checks) is marked down and let go."""
        alias = _chosen.get()
        if alias is None or not isinstance(exception, DatabaseError):
            return None
        log.warning("replica %s failed during %s; answered from the primary: %s", alias, request.path, exception)
        replica = connections[alias]
        if replica.connection is None or not replica.is_usable():
            health.mark_down(alias)
            replica.close()
        _chosen.set(None)
        view_func, view_args, view_kwargs = request.govgrid_view
        return view_func(request, *view_args, **view_kwargs)


def _forget_choice(**kwargs):
    """When an answer has been sent (its last byte streamed), the thread reads from the primary again."""
    _chosen.set(None)


signals.request_finished.connect(_forget_choice, dispatch_uid="govgrid.replicas.forget_choice")
