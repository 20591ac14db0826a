"""Queue notifications: one statement writes them, once per person and source, with a delivery for
each channel the person chose (e-mail to their login's address unless they turned it off; SMS to
their phone and WeChat to their OpenID if they turned those on). Runs in the caller's transaction,
so a notification exists exactly when what it tells of was written."""

import json

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from govgrid.lib.sqltext import column_type
from grids.models import Person

from .models import Delivery, Notification, Preference


def _sql():
    users = get_user_model()
    return f"""
    WITH made AS (
        INSERT INTO {Notification._meta.db_table} (user_id, source, kind, params, url, created_at)
        SELECT * FROM unnest(
            %(users)s::{column_type(Notification, "user_id")}[], %(sources)s::text[], %(kinds)s::text[],
            %(params)s::jsonb[], %(urls)s::text[], %(ats)s::timestamptz[]
        )
        ON CONFLICT (user_id, source) DO NOTHING
        RETURNING id, user_id, created_at
    ), channels AS (
        SELECT made.id, 'email' AS channel, u.email AS address
        FROM made JOIN {users._meta.db_table} u ON u.id = made.user_id
        LEFT JOIN {Preference._meta.db_table} p ON p.user_id = made.user_id
        WHERE coalesce(p.email, TRUE) AND u.email <> ''
        UNION ALL
        SELECT made.id, 'sms', person.phone
        FROM made JOIN {Preference._meta.db_table} p ON p.user_id = made.user_id AND p.sms
        JOIN {Person._meta.db_table} person ON person.user_id = made.user_id
        WHERE person.phone <> ''
        UNION ALL
        SELECT made.id, 'wechat', p.wechat_openid
        FROM made JOIN {Preference._meta.db_table} p ON p.user_id = made.user_id
        WHERE p.wechat AND p.wechat_openid <> ''
    ), queued AS (
        INSERT INTO {Delivery._meta.db_table}
            (notification_id, channel, address, status, attempts, next_try_at, last_error)
        SELECT channels.id, channel, address, 'pending', 0, made.created_at, ''
        FROM channels JOIN made ON made.id = channels.id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM made), (SELECT count(*) FROM queued)
    """


_SQL = None


def queue(user_ids, source, kind, params=None, url="", at=None):
    """Tell these users (ids) of `source` (what it is about, e.g. "event:1234") as a notification of
    `kind` with its `params`; a user already told of that source is not told again. Returns how many
    were told."""
    at = at or timezone.now()
    return queue_many((user_id, source, kind, params, url, at) for user_id in set(user_ids))


def queue_many(items):
    """queue() for many at once, in one statement: items are (user id, source, kind, params, url, at)."""
    global _SQL
    rows = [item for item in items if item[0] is not None]
    if not rows:
        return 0
    _SQL = _SQL or _sql()
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            _SQL,
            {
                "users": list(columns[0]),
                "sources": list(columns[1]),
                "kinds": list(columns[2]),
                "params": [json.dumps(p or {}, ensure_ascii=False, default=str) for p in columns[3]],
                "urls": list(columns[4]),
                "ats": list(columns[5]),
            },
        )
        return cursor.fetchone()[0]


def text(channel, address, source, kind, params=None, url="", at=None):
    """Tell someone with no login (a resident) at an address, by one channel, once per `source`: a
    notification with no user and its one delivery, in the caller's transaction. Returns whether it
    was queued (False: that source was told already)."""
    at = at or timezone.now()
    notification, created = Notification.objects.get_or_create(
        user=None, source=source, defaults={"kind": kind, "params": params or {}, "url": url, "created_at": at}
    )
    if created:
        Delivery.objects.create(notification=notification, channel=channel, address=address, next_try_at=at)
    return created
