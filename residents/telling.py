"""Who is told of a resident's report: when it arrives, the grid's workers and the dispatchers of its
community, who may accept it; and, where GOVGRID_RESIDENT_SMS is on, the resident who left a phone,
by SMS, when their report is decided and when its case is resolved (to rate it), closed or reopened.
Each in the transaction that writes what it tells of (notifications.outbox)."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Level
from incidents.actions import area_at
from incidents.recipients import also_tell, dispatchers_of, grid_workers_of
from notifications import outbox
from notifications.messages import renders

KIND = "resident"  # notifications of kind "resident:new"


def tell_arrival(report):
    grid = report.grid.code
    users = grid_workers_of(grid) | dispatchers_of(area_at(grid, Level.COMMUNITY))
    params = {"report": report.tracking_code, "description": report.description[:200]}
    outbox.queue(
        users, f"resident-report:{report.pk}", f"{KIND}:new", params, "/dispatch/residents/", report.received_at
    )


@renders(KIND)
def resident_words(notification):
    params = notification.params
    code = params.get("report", "")
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
    params = {"report": report.tracking_code, "what": what}
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
    for report in incident.resident_reports.exclude(contact_phone=""):
        text_resident(report, event.action, f"resident-report:{report.pk}:event:{event.pk}", event.at)
