"""Who is told of a resident's report: when it arrives, the grid's workers and the dispatchers of its
community, who may accept it (in the transaction that writes it, notifications.outbox)."""

from django.utils.translation import gettext as _

from grids.models import Level
from incidents.actions import area_at
from incidents.recipients import dispatchers_of, grid_workers_of
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
    return _("A resident's report %(code)s waits to be accepted") % {"code": params.get("report", "")}, params.get(
        "description", ""
    )
