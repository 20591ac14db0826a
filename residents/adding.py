"""The resident adds to their report by its private link while it is open: a note and photos. To a
report still waiting they go with the report (and into the case's description and photos when it is
accepted); to its case they go as the case's `add_note` event (incidents.workflow, by the resident)
and its photos, and the case's holders are told. Throttled like the reports themselves."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError
from grids.scopes import Scope
from incidents.models import Incident
from incidents.photos import add_photo
from incidents.workflow import Resident, StaleVersion, act, allowed_actions

from . import senders
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
    text = checked_text(text, "text", NOTE_MAX)
    if not text and not photos:
        raise GovgridError(_("Write what you want to add, or add a photo."), field="text")
    if not may_add(report):
        raise Conflict(_("This report is no longer open: nothing can be added to it."), field="text", code="closed")
    senders.count(
        "report", device, address, settings.RESIDENT_REPORTS_PER_DEVICE, settings.RESIDENT_REPORTS_PER_ADDRESS,
        settings.RESIDENT_WINDOW_MINUTES,
    )  # fmt: skip
    checked = _checked_photos(photos)
    with transaction.atomic():
        locked = ResidentReport.objects.select_for_update(of=("self",)).select_related("incident").get(pk=report.pk)
        if locked.status == ResidentReport.Status.PENDING:
            _add_to_waiting(locked, text, checked)
        elif may_add(locked):  # accepted meanwhile: to its case
            _add_to_case(locked, text, photos)
        else:
            raise Conflict(_("This report is no longer open: nothing can be added to it."), field="text", code="closed")
    return locked


def _add_to_waiting(report, text, checked):
    """To a report still waiting (its row locked): the note, the photos not there yet while there is
    room for them in the case it may become; a new version, so a decision taken on what was read
    before is refused (409) and read again."""
    known = set(report.photos.values_list("sha256", flat=True))
    new = [photo for photo in checked if photo[2] not in known]
    if len(known) + len(new) > settings.PHOTO_MAX_COUNT:
        raise GovgridError(
            _("A report holds at most %(n)d photos.") % {"n": settings.PHOTO_MAX_COUNT}, field="photos", code="too_many"
        )
    if text:
        ReportNote.objects.create(report=report, text=text)
    for data, content_type, digest in new:
        _store(report, data, content_type, digest)
    report.version += 1
    report.save(update_fields=["version"])


def _add_to_case(report, text, photos):
    """To its open case: the case's add_note event by the resident, and the photos. The reason names
    whose report it came from: another resident following the case (a report merged into it) is told
    a resident added something, never what. The resident holds no version of the case: the one read
    under the case's lock (act's) is theirs."""
    case = report.incident
    note = text or _("(photos added)")
    for _attempt in range(3):
        version = Incident.objects.filter(pk=case.pk).values_list("version", flat=True).get()
        try:
            act(Resident(case.pk), case.code, "add_note", version, reason=report.tracking_code, note=note)
            break
        except StaleVersion:  # staff acted in between: add to the case as it is now
            continue
    else:
        raise Conflict(_("The case is changing right now: send it again in a moment."), field="text", code="busy")
    for upload in photos:
        upload.seek(0)
        add_photo(case, upload)
