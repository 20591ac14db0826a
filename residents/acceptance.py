"""立案: what becomes of a resident's report. Whoever may change the cases of its grid (the grid's
worker, the community's or the street's dispatcher) decides, once:

- accept: with a category item (the topic's by default), a case is made through intake
  (incidents.intake) on channel "resident", with the report's place, words, contact and photos;
- merge: into an open case the decider may change; the report follows that case, and its photos
  join it while there is room;
- decline: with a reason, which the resident reads on their page.

Each decision locks the report's row and checks its version, so two people deciding at once never
both succeed (the second gets 409), and writes everything in one transaction.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Area, Level
from grids.scopes import Forbidden, Scope
from incidents.intake import Report, report_incident
from incidents.models import OPEN_STATUSES, Channel, Incident
from incidents.photos import add_photo

from .models import ResidentReport
from .telling import tell_decision
from .topics import TOPICS

ACCEPTED_CASE = uuid.UUID("6f1d2a7e-0b8c-4c51-9a51-7c1f3e0d2b6a")  # namespace of the cases made from reports


def pending(scope):
    """The reports waiting for this user's decision: in the grids they may change, oldest first."""
    reports = ResidentReport.objects.filter(status=ResidentReport.Status.PENDING)
    return scope.filter(reports, "grid__code", writing=True).select_related("grid").order_by("received_at")


def decide(user, tracking_code, decision, version, category=None, incident=None, reason="", grid=""):
    """Take `decision` (accept, merge, decline) on the report; returns the report as it is after.
    Accepting may name another `grid` (its code) than the one the resident's place is in: the case
    is then placed in that grid (at its point on the surface), the resident's place kept on the report."""
    scope = Scope.for_user(user)
    with transaction.atomic():
        report = (
            ResidentReport.objects.select_for_update()
            .select_related("grid")
            .filter(tracking_code=tracking_code)
            .first()
        )
        if report is None or not scope.sees(report.grid.code):
            raise NotFound(_("No resident's report has this tracking code in your areas."), field="report")
        if not scope.changes(report.grid.code):
            raise Forbidden(_("You may not decide on reports in this grid."), field="report")
        if report.status != ResidentReport.Status.PENDING:
            raise Conflict(_("This report was already decided on."), field="report", code="decided")
        if version is not None and version != report.version:
            raise Conflict(_("The report changed since you read it: read it again."), field="version", code="stale")
        now = timezone.now()
        if decision == "accept":
            report.incident = _accept(user, scope, report, category, grid)
            report.status = ResidentReport.Status.ACCEPTED
        elif decision == "merge":
            report.incident = _merge(user, scope, report, incident)
            report.status = ResidentReport.Status.MERGED
        elif decision == "decline":
            if not reason.strip():
                raise GovgridError(_("Say why the report is declined: the resident reads it."), field="reason")
            report.decline_reason = reason.strip()
            report.status = ResidentReport.Status.DECLINED
        else:
            raise GovgridError(_("Unknown decision."), field="decision")
        report.decided_at, report.decided_by, report.version = now, user, report.version + 1
        report.save(update_fields=["incident", "status", "decline_reason", "decided_at", "decided_by", "version"])
        tell_decision(report)
    return report


def description_with_notes(report):
    """The report's words with what the resident added while it waited, for the case it becomes."""
    added = [note.text for note in report.notes.order_by("at", "id")]
    return "\n".join([report.description, *(_("Added by the resident: %(text)s") % {"text": t} for t in added)])


def suggested_category(report):
    return TOPICS[report.topic].category if report.topic in TOPICS else None


def _accept(user, scope, report, category, grid_code=""):
    category = category or suggested_category(report)
    if not category:
        raise GovgridError(_("Choose the case's category."), field="category")
    point = report.location
    if grid_code and grid_code != report.grid.code:
        grid = Area.objects.filter(code=grid_code, level=Level.GRID).first()
        if grid is None or not scope.changes(grid_code):
            raise GovgridError(_("Choose one of your grids."), field="grid")
        point = grid.geom.point_on_surface
    files = [photo.file for photo in report.photos.all()]
    for file in files:
        file.open("rb")
    try:
        made, _created, _duplicates = report_incident(
            user,
            Report(
                client_id=uuid.uuid5(ACCEPTED_CASE, str(report.client_id)),
                category=category,
                description=description_with_notes(report),
                lon=point.x,
                lat=point.y,
                contact_name=report.contact_name,
                contact_phone=report.contact_phone,
                channel=Channel.RESIDENT,
            ),
            photos=files,
            scope=scope,
        )
    finally:
        for file in files:
            file.close()
    return made if isinstance(made, Incident) else Incident.objects.get(pk=made.pk)


def _merge(user, scope, report, code):
    if not code:
        raise GovgridError(_("Name the case to merge the report into."), field="incident")
    # the case's row locked, so it cannot be closed between the check below and this commit
    case = Incident.objects.select_for_update(of=("self",)).filter(code=code).first()
    if case is None or not scope.sees_incident(case):
        raise NotFound(_("No case %(code)s in your areas.") % {"code": code}, field="incident")
    if case.status not in OPEN_STATUSES or not scope.changes(case.area_code):
        raise Conflict(_("A report can be merged only into an open case you may change."), field="incident")
    for photo in report.photos.all():
        if case.photos.count() >= settings.PHOTO_MAX_COUNT:
            break
        with photo.file.open("rb") as upload:
            add_photo(case, upload, user=user)
    return case
