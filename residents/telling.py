"""Who is told of a resident's report: when it arrives, the grid's workers and the dispatchers of its
community, who may accept it; and, where GOVGRID_RESIDENT_SMS is on, the resident who left a phone,
by SMS, when their report is decided and when its case is resolved (to rate it), closed or reopened.
Each in the transaction that writes what it tells of (notifications.outbox)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Level
from incidents.actions import area_at
from incidents.recipients import also_tell, dispatchers_of, grid_workers_of
from notifications import outbox
from notifications.messages import renders

from .models import ResidentReport

KIND = "resident"  # notifications of kind "resident:new"


QUEUE_URL = "/dispatch/residents/"


def deciders(report):
    """Who may accept the report and is told of it: the grid's workers and the community's dispatchers."""
    grid = report.grid.code
    return grid_workers_of(grid) | dispatchers_of(area_at(grid, Level.COMMUNITY))


def _params(report):
    return {"report": report.tracking_code, "description": report.description[:200]}


def tell_arrival(report):
    outbox.queue(
        deciders(report), f"resident-report:{report.pk}", f"{KIND}:new", _params(report), QUEUE_URL, report.received_at
    )


@renders(KIND)
def resident_words(notification):
    params = notification.params
    code = params.get("report", "")
    if notification.kind == f"{KIND}:overdue":
        return _("A resident's report %(code)s is past its deadline to be accepted") % {"code": code}, params.get(
            "description", ""
        )
    if notification.kind == f"{KIND}:changed":
        return _("govgrid: your report %(code)s") % {"code": code}, str(CHANGE_WORDS.get(params.get("what"), ""))
    return _("A resident's report %(code)s waits to be accepted") % {"code": code}, params.get("description", "")


CHANGE_WORDS = {
    "accepted": gettext_lazy("It was accepted as a case."),
    "merged": gettext_lazy("It joined a case already open about the same problem."),
    "declined": gettext_lazy("It was declined: the reason is on its page."),
    "resolve": gettext_lazy("It was reported solved: please rate the result on its page."),
    "close": gettext_lazy("Its case was closed."),
    "reopen": gettext_lazy("Its case was opened again and is being handled."),
}


CASE_CHANGES = ("resolve", "close", "reopen")  # what a resident hears of their case


def text_resident(report, what, source, at):
    """An SMS to the resident of `report` (if they left a phone and the setting is on), once per source."""
    if not settings.RESIDENT_SMS or not report.contact_phone:
        return False
    params = {"report": report.tracking_code, "what": what, "language": report.language}
    # no link: only the link's digest is kept; the resident opens the link they saved
    return outbox.text("sms", report.contact_phone, source, f"{KIND}:changed", params, "", at)


def tell_decision(report):
    what = {"accepted": "accepted", "merged": "merged", "declined": "declined"}[report.status]
    text_resident(report, what, f"resident-report:{report.pk}:{report.status}", report.decided_at)


@also_tell
def tell_residents_of_case(incident, event):
    """The residents whose reports became or joined the case, of what they hear (CASE_CHANGES)."""
    if event.action not in CASE_CHANGES or not settings.RESIDENT_SMS:
        return
    reports = incident.resident_reports.exclude(contact_phone="")
    if event.action == "resolve":  # asked to rate: only the resident whose report became the case may
        reports = reports.filter(status="accepted")
    for report in reports:
        text_resident(report, event.action, f"resident-report:{report.pk}:event:{event.pk}", event.at)


def remind_overdue(now=None):
    """Tell those who may accept them of the reports past their deadline still waiting, once each
    (the worker's sweep); returns how many reports it told of."""
    now = now or timezone.now()
    told = 0
    overdue = ResidentReport.objects.filter(status=ResidentReport.Status.PENDING, due_at__lt=now).select_related("grid")
    for report in overdue.order_by("due_at")[:500]:
        grid = report.grid.code
        users = grid_workers_of(grid) | dispatchers_of(area_at(grid, Level.COMMUNITY))
        params = {"report": report.tracking_code, "description": report.description[:200]}
        told += bool(
            outbox.queue(
                users, f"resident-report:{report.pk}:overdue", f"{KIND}:overdue", params, "/dispatch/residents/"
            )
        )
    return told
