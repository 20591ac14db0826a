"""What the time tells (the worker's round, beside the deadline sweep): a case's deadline is near (at
DEADLINE_WARNING of its time), a case is overdue, a parked case's review date has come. Each is a
notification of the case's holders (a review, of its area's dispatchers), once for each deadline
and review date: the source names them, so rounds repeat nothing. A round tells about BATCH
notifications of each kind, the oldest cases not told yet first, so however many are overdue,
every one is told in turn."""

from django.conf import settings
from django.db.models import CharField, DateTimeField, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from notifications import outbox
from notifications.models import Notification

from .models import OPEN_STATUSES, Incident, Status
from .recipients import CASE_KIND, case_url, dispatchers_by_area, holders

BATCH = 500
TABLE = Incident._meta.db_table


def remind(now=None):
    """Queue the reminders due at `now`; returns how many notifications were queued."""
    now = now or timezone.now()
    told = 0
    open_cases = Incident.objects.filter(status__in=OPEN_STATUSES).select_related("grid")
    before_due = ExpressionWrapper((F("due_at") - F("due_from")) * (1 - settings.DEADLINE_WARNING), DurationField())
    warned_from = ExpressionWrapper(F("due_at") - before_due, DateTimeField())
    near = open_cases.filter(due_at__gt=now, due_from__isnull=False).alias(warn_at=warned_from).filter(warn_at__lte=now)
    for what, cases in (("due-soon", near), ("overdue", open_cases.filter(due_at__lte=now))):
        told_now = 0
        for batch in _untold(cases, _source(what), "due_at"):
            told_now += sum(_tell_holders(incident, what, incident.told_as, now) for incident in batch)
            if told_now >= BATCH:
                break
        told += told_now
    today = timezone.localdate(now)
    parked = Incident.objects.filter(status=Status.PARKED, review_on__lte=today)
    review = RawSQL(f"'review:' || {TABLE}.id || ':' || to_char({TABLE}.review_on, 'YYYY-MM-DD')", ())
    reviews = 0
    for batch in _untold(parked, review, "review_on"):
        dispatchers = dispatchers_by_area({incident.area_code for incident in batch})
        reviews += outbox.queue_many(
            (user_id, c.told_as, f"{CASE_KIND}:review", {"case": c.code}, case_url(c), now)
            for c in batch
            for user_id in dispatchers.get(c.area_code, ())
        )
        if reviews >= BATCH:
            break
    return told + reviews


def _untold(cases, source, by):
    """Batches of the cases whose reminder `source` (SQL) nobody has been told yet, each case with
    it as `told_as`, oldest `by` first. Batches go on past cases with nobody to tell (they stay
    untold), so those never hold back the rest."""
    told = Notification.objects.filter(source=OuterRef("told_as"))
    untold = cases.annotate(told_as=ExpressionWrapper(source, output_field=CharField())).filter(~Exists(told))
    after = Q()
    while batch := list(untold.filter(after).order_by(by, "id")[:BATCH]):
        yield batch
        last = batch[-1]
        after = Q(**{f"{by}__gt": getattr(last, by)}) | Q(**{by: getattr(last, by), "id__gt": last.id})


def _source(what):
    """A reminder's source, "overdue:<case id>:<due time>", the due time in UTC as Python's
    isoformat writes it (the form every reminder has been recorded with)."""
    return RawSQL(
        f"""'{what}:' || {TABLE}.id || ':'
            || to_char({TABLE}.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN extract(microseconds FROM {TABLE}.due_at)::bigint %% 1000000 = 0 THEN ''
                    ELSE to_char({TABLE}.due_at AT TIME ZONE 'UTC', '.US') END
            || '+00:00'""",
        (),
        output_field=CharField(),
    )


def _tell_holders(incident, what, source, now):
    due = timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M")
    params = {"case": incident.code, "due": due}
    return outbox.queue(holders(incident), source, f"{CASE_KIND}:{what}", params, case_url(incident), now)
