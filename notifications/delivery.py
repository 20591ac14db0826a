"""The worker's part: send what is due, each delivery by its channel's backend, with retries.

A round claims up to NOTIFY_BATCH due deliveries (FOR UPDATE SKIP LOCKED, so workers beside each
other never take the same one) and marks them `sending` until a lease ends (NOTIFY_LEASE_SECONDS,
longer than a batch takes to send), in a transaction of its own,
then sends each and records the outcome in another. A worker killed in between leaves its claims
to run out; the next round takes them again. So nothing is lost; a message that reached its channel
in the instant before the worker died may be sent a second time, with the same Message-ID (the
backends say how a channel knows it again). A failure waits 1, 2, 4 ... minutes (at most an hour)
and is given up after NOTIFY_MAX_ATTEMPTS, with its last error kept.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import override

from .backends import backend_for
from .messages import render
from .models import Delivery

log = logging.getLogger(__name__)

_CLAIM_SQL = f"""
UPDATE {Delivery._meta.db_table} d SET status = 'sending', attempts = d.attempts + 1, next_try_at = %(lease)s
WHERE d.id IN (
    SELECT id FROM {Delivery._meta.db_table}
    WHERE status IN ('pending', 'sending') AND next_try_at <= %(now)s
    ORDER BY next_try_at, id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING d.id
"""


def message_id(delivery):
    return f"<govgrid-delivery-{delivery.pk}@{settings.NOTIFY_MESSAGE_ID_DOMAIN}>"


def deliver_due(limit=None, now=None):
    """Send the deliveries that are due, at most `limit` (NOTIFY_BATCH); returns (sent, failed)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, {"now": now, "lease": lease, "limit": limit or settings.NOTIFY_BATCH})
            ids = [row[0] for row in cursor.fetchall()]
    sent = failed = 0
    for delivery in Delivery.objects.filter(pk__in=ids).select_related("notification").order_by("id"):
        if _send(delivery):
            sent += 1
        else:
            failed += 1
    return sent, failed


def _send(delivery):
    # in the site's language, or the one someone with no login chose (a resident's, in its params)
    with override(delivery.notification.params.get("language") or settings.LANGUAGE_CODE):
        title, body = render(delivery.notification)
    if delivery.notification.url:
        body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{delivery.notification.url}"
    try:
        backend_for(delivery.channel).send(delivery, title, body, message_id(delivery))
    except Exception as error:  # any failure of a channel is retried, never raised into the worker
        log.warning("delivery %s by %s failed: %s", delivery.pk, delivery.channel, error)
        given_up = delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        wait = timedelta(minutes=min(60, 2 ** (delivery.attempts - 1)))
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED if given_up else Delivery.Status.PENDING,
            next_try_at=timezone.now() + wait,
            last_error=str(error)[:2000],
        )
        return False
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
    return True
