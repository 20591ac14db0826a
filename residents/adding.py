"""The resident adds to their report by its private link while it is open: a note and photos. To a
report still waiting they go with the report (and into the case's description and photos when it is
accepted); to its case they go as the case's `add_note` event (incidents.workflow, by the resident)
and its photos, and the case's holders are told. Throttled like the reports themselves."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError
from grids.scopes import Scope
from incidents.photos import add_photo
from incidents.workflow import Resident, act, allowed_actions

from . import throttle
from .intake import _checked_photos, _store
from .models import ReportNote, ResidentReport

NOTE_MAX = 2000


def may_add(report):
    """Whether the resident may add to the report now: it waits, or its case is open."""
    if report.status == ResidentReport.Status.PENDING:
        return True
    if report.status != ResidentReport.Status.ACCEPTED or report.incident is None:
        return False  # declined; or merged into someone else's case
    return "add_note" in allowed_actions(Resident(report.incident_id), Scope(), report.incident)


def add(report, text, photos=(), device="", address=None):
    text = (text or "").strip()
    if not text and not photos:
        raise GovgridError(_("Write what you want to add, or add a photo."), field="text")
    if len(text) > NOTE_MAX:
        raise GovgridError(_("At most %(n)d characters.") % {"n": NOTE_MAX}, field="text")
    if not may_add(report):
        raise Conflict(_("This report is no longer open: nothing can be added to it."), field="text", code="closed")
    throttle.check(
        [(device and f"device:{device}", settings.RESIDENT_REPORTS_PER_DEVICE),
         (address and f"address:{address}", settings.RESIDENT_REPORTS_PER_ADDRESS)],
        settings.RESIDENT_WINDOW_MINUTES,
    )  # fmt: skip
    checked = _checked_photos(photos)
    with transaction.atomic():
        if report.status == ResidentReport.Status.PENDING:
            locked = ResidentReport.objects.select_for_update().get(pk=report.pk)
            if locked.status != ResidentReport.Status.PENDING:  # decided meanwhile: add to what it is now
                return add(locked, text, photos, device, address)
            if text:
                ReportNote.objects.create(report=report, text=text)
            known = set(report.photos.values_list("sha256", flat=True))
            for data, content_type, digest in checked:
                if digest not in known:
                    _store(report, data, content_type, digest)
            return report
        case = report.incident
        # the reason names whose report it came from: another resident following the case (a report
        # merged into it) is told a resident added something, never what
        note = text or _("(photos added)")
        act(Resident(case.pk), case.code, "add_note", case.version, reason=report.tracking_code, note=note)
        for upload in photos:
            upload.seek(0)
            add_photo(case, upload)
    return report
