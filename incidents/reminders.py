"""What the time tells (the worker's round, beside the deadline sweep): a case's deadline is near (at
DEADLINE_WARNING of its time), a case is overdue, a parked case's review date has come. Each is a
notification of the case's holders (a review, of its area's dispatchers), once for each deadline
and review date: the source names them, so rounds repeat nothing."""

from django.conf import settings
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F
from django.utils import timezone

from notifications import outbox
from notifications.models import Notification

from .models import OPEN_STATUSES, Incident, Status
from .recipients import CASE_KIND, case_url, dispatchers_by_area, holders

BATCH = 500


def remind(now=None):
    """Queue the reminders due at `now`; returns how many notifications were queued."""
    now = now or timezone.now()
    told = 0
    open_cases = Incident.objects.filter(status__in=OPEN_STATUSES).select_related("grid")
    before_due = ExpressionWrapper((F("due_at") - F("due_from")) * (1 - settings.DEADLINE_WARNING), DurationField())
    warned_from = ExpressionWrapper(F("due_at") - before_due, DateTimeField())
    near = open_cases.filter(due_at__gt=now, due_from__isnull=False).alias(warn_at=warned_from).filter(warn_at__lte=now)
    for what, cases in (("due-soon", near), ("overdue", open_cases.filter(due_at__lte=now))):
        candidates = {_source(what, incident): incident for incident in cases.order_by("due_at")[:BATCH]}
        done = set(Notification.objects.filter(source__in=list(candidates)).values_list("source", flat=True))
        for source, incident in candidates.items():
            if source not in done:
                told += _tell_holders(incident, what, source, now)
    today = timezone.localdate(now)
    parked = list(Incident.objects.filter(status=Status.PARKED, review_on__lte=today)[:BATCH])
    dispatchers = dispatchers_by_area({incident.area_code for incident in parked})
    told += outbox.queue_many(
        (user_id, f"review:{c.pk}:{c.review_on}", f"{CASE_KIND}:review", {"case": c.code}, case_url(c), now)
        for c in parked
        for user_id in dispatchers.get(c.area_code, ())
    )
    return told


def _source(what, incident):
    return f"{what}:{incident.pk}:{incident.due_at.isoformat()}"


def _tell_holders(incident, what, source, now):
    due = timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M")
    params = {"case": incident.code, "due": due}
    return outbox.queue(holders(incident), source, f"{CASE_KIND}:{what}", params, case_url(incident), now)
