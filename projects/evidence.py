"""A progress report's evidence files, checked before anything is written: photos as every photo of
govgrid is (incidents.photos.check_photo: a JPEG, PNG or WebP within GOVGRID_PHOTO_MAX_BYTES, kept
upright without its metadata), PDFs by their content and within GOVGRID_PROJECT_PDF_MAX_BYTES."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from incidents.photos import check_photo

from .models import Evidence

FIELD = "files"
PDF_MAGIC = b"%PDF-"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    name: str
    data: bytes
    content_type: str
    sha256: str


def checked_files(uploads):
    """Every upload checked (a 400 naming `files`, the file and the reason), in order."""
    if len(uploads) > settings.PROJECT_EVIDENCE_MAX_FILES:
        raise GovgridError(
            _("At most %(n)d files per report.") % {"n": settings.PROJECT_EVIDENCE_MAX_FILES},
            field=FIELD,
            code="too_many",
        )
    return [_checked(upload) for upload in uploads]


def _checked(upload):
    name = (upload.name or "file")[-200:]
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        return _checked_pdf(upload, name)
    try:
        data, content_type, digest = check_photo(upload, field=FIELD)
    except GovgridError as refused:
        if refused.extra.get("code") != "photo_type":
            raise
        raise GovgridError(
            _("File %(name)s is neither a photo (JPEG, PNG, WebP) nor a PDF file.") % {"name": name},
            field=FIELD,
            code="file_type",
        ) from None
    return CheckedFile(Evidence.Kind.PHOTO, name, data, content_type, digest)


def _checked_pdf(upload, name):
    if upload.size > settings.PROJECT_PDF_MAX_BYTES:
        raise GovgridError(
            _("File %(name)s is %(size)d KB; the limit for a PDF is %(limit)d KB.")
            % {"name": name, "size": upload.size // 1024, "limit": settings.PROJECT_PDF_MAX_BYTES // 1024},
            field=FIELD,
            code="file_too_large",
        )
    data = upload.read()
    if b"%%EOF" not in data[-1024:]:
        raise GovgridError(_("File %(name)s is not a whole PDF file.") % {"name": name}, field=FIELD, code="file_type")
    return CheckedFile(Evidence.Kind.PDF, name, data, "application/pdf", hashlib.sha256(data).hexdigest())


def keep(report, checked):
    """The checked file stored beside its report (inside the report's transaction)."""
    evidence = Evidence(
        report=report,
        kind=checked.kind,
        name=checked.name,
        sha256=checked.sha256,
        content_type=checked.content_type,
        size=len(checked.data),
    )
    extension = EXTENSIONS[checked.content_type]
    name = f"project-{report.milestone.project_id}-{checked.sha256[:12]}.{extension}"
    evidence.file.save(name, ContentFile(checked.data), save=False)
    try:
        evidence.save()
    except BaseException:
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence
