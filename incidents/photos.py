"""A case's photos as govgrid keeps them: checked, stored once each, at most PHOTO_MAX_COUNT a case.

What is kept of a picture (its pixels, upright, and nothing else the camera wrote) is
incidents.pictures' to say; this module stores the result beside its case, by the digest of what
is kept, so the same picture sent twice to one case is kept once.
"""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError

from .models import Incident, IncidentPhoto
from .pictures import NotAPicture, carries_metadata, without_metadata


def check_photo(upload, field="photos"):
    """(bytes, content type, sha256) of an uploaded photo as it is kept: its orientation applied and
    its metadata removed (incidents.pictures); or a 400 naming the field, the file and the reason."""
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise GovgridError(
            _("Photo %(name)s is %(size)d KB; the limit is %(limit)d KB.")
            % {"name": upload.name, "size": upload.size // 1024, "limit": settings.PHOTO_MAX_BYTES // 1024},
            field=field,
            code="photo_too_large",
        )
    try:
        data, content_type = without_metadata(upload.read())
    except NotAPicture:
        raise GovgridError(
            _("Photo %(name)s is not a JPEG, PNG or WebP image.") % {"name": upload.name},
            field=field,
            code="photo_type",
        ) from None
    return data, content_type, hashlib.sha256(data).hexdigest()


def add_photo(incident, upload, kind=IncidentPhoto.Kind.BEFORE, location=None, user=None):
    """(photo, created): the same picture sent twice to one case is kept once; a case holds at most
    PHOTO_MAX_COUNT pictures. `kind` and `location` (a WGS84 point) say what and where it shows."""
    data, content_type, digest = check_photo(upload, field="photo")
    existing = IncidentPhoto.objects.filter(incident_id=incident.pk, sha256=digest).first()
    if existing is not None:
        return existing, False
    photo = None
    try:
        with transaction.atomic():
            # The case's row lock lines up photos arriving at once, so the count below stays true
            # until this one is saved.
            list(Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk", flat=True))
            if IncidentPhoto.objects.filter(incident_id=incident.pk).count() >= settings.PHOTO_MAX_COUNT:
                raise GovgridError(
                    _("Case %(code)s already has %(n)d photos, the most a case may have.")
                    % {"code": incident.code, "n": settings.PHOTO_MAX_COUNT},
                    field="photo",
                    code="too_many",
                )
            photo = IncidentPhoto(
                incident=incident,
                sha256=digest,
                content_type=content_type,
                size=len(data),
                kind=kind,
                location=location,
                uploaded_by=user,
            )
            _store_photo_file(photo, data)
            photo.save()
    except IntegrityError:
        # The same picture arrived twice at once: the other copy won; remove this one's file.
        photo.file.delete(save=False)
        return IncidentPhoto.objects.get(incident_id=incident.pk, sha256=digest), False
    return photo, True


def store_photo(incident, data, content_type, digest):
    photo = IncidentPhoto(incident=incident, sha256=digest, content_type=content_type, size=len(data))
    _store_photo_file(photo, data)
    photo.save()
    return photo


def _store_photo_file(photo, data):
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo.content_type]
    photo.file.save(f"{photo.incident.code}-{photo.sha256[:12]}.{extension}", ContentFile(data), save=False)


def strip_stored_photos(commit=False):
    """Photos stored before metadata was removed on upload, written again without it (the orientation
    applied, as check_photo does): (photos looked at, photos with metadata, photos not readable as
    pictures). A dry run unless `commit`. Each photo is its own transaction, and its old file is
    removed only once the new one is in the row; a photo that turns out to be a copy of another of
    the same case's is removed, the case keeping one."""
    looked, stripped, unreadable = 0, 0, 0
    for photo in IncidentPhoto.objects.select_related("incident").order_by("id").iterator(chunk_size=200):
        looked += 1
        with photo.file.open("rb") as file:
            data = file.read()
        if not carries_metadata(data):
            continue
        try:
            cleaned, content_type = without_metadata(data)
        except NotAPicture:
            unreadable += 1
            continue
        stripped += 1
        if commit:
            _replace_photo_file(photo, cleaned, content_type)
    return looked, stripped, unreadable


def _replace_photo_file(photo, data, content_type):
    old_file = photo.file.name
    photo.sha256, photo.content_type, photo.size = hashlib.sha256(data).hexdigest(), content_type, len(data)
    with transaction.atomic():
        copy = IncidentPhoto.objects.filter(incident_id=photo.incident_id, sha256=photo.sha256).exclude(pk=photo.pk)
        if copy.exists():
            photo.delete()
        else:
            _store_photo_file(photo, data)
            try:
                photo.save()
            except BaseException:
                photo.file.delete(save=False)
                raise
    photo.file.storage.delete(old_file)


def delete_files(photos):
    for photo in photos:
        photo.file.delete(save=False)
