"""Residents take part with no account (码上办): the QR codes that open the resident page for a
place, the reports residents send from it and what became of them (立案: accepted as a case,
merged into one, or declined), and the counters that throttle them.

A resident is known only by what they hold: the private link of their report (its secret, kept
here as a digest) and, where they left a phone, the report's tracking code a call-back reads out.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area, ServiceStation


class PlaceCode(models.Model):
    """The QR code of a grid, a community or a service station: a short random token in the resident
    page's address (/r/<token>/). Rotating it retires the token (old posters then say so) and makes a
    new one; the place's own code never changes."""

    token = models.CharField(_("token"), max_length=16, unique=True)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE, related_name="place_codes"
    )
    station = models.ForeignKey(
        ServiceStation,
        verbose_name=_("service station"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="place_codes",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("QR code")
        verbose_name_plural = _("QR codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False, station__isnull=True) | Q(area__isnull=True, station__isnull=False),
                name="place_code_of_one_place",
            ),
            models.UniqueConstraint(
                fields=["area"], condition=Q(retired_at__isnull=True, area__isnull=False), name="one_live_code_per_area"
            ),
            models.UniqueConstraint(
                fields=["station"],
                condition=Q(retired_at__isnull=True, station__isnull=False),
                name="one_live_code_per_station",
            ),
        ]

    def __str__(self):
        return self.token

    @property
    def live(self):
        return self.retired_at is None


class ResidentReport(models.Model):
    """What a resident sent from the resident page, waiting to be accepted (立案) as a case."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be accepted")
        ACCEPTED = "accepted", _("accepted as a case")
        MERGED = "merged", _("merged into a case")
        DECLINED = "declined", _("declined")

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("a problem")
        SUGGESTION = "suggestion", _("a suggestion")

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    secret_digest = models.CharField(max_length=64, unique=True)  # sha256 of the private link's secret
    client_id = models.UUIDField(unique=True)  # made on the phone: a retry is the same report
    fingerprint = models.CharField(max_length=64)
    place_code = models.ForeignKey(PlaceCode, null=True, on_delete=models.SET_NULL, related_name="reports")
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="resident_reports")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROBLEM)
    topic = models.CharField(_("what it is about"), max_length=20)  # a key of residents.topics
    description = models.TextField(_("description"))
    location = models.PointField(_("location"), srid=4326)
    located_by = models.CharField(max_length=10)  # "gps", "map" (a tap) or "code" (the code's place)
    input_lon = models.FloatField(null=True, blank=True)
    input_lat = models.FloatField(null=True, blank=True)
    input_crs = models.CharField(max_length=10, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_at = models.DateTimeField(_("to be accepted by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # A case is deleted only when it is purged whole (incidents.models.purge_incidents: demo reloads,
    # tests): the reports that became it or joined it go with it.
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="resident_reports"
    )
    device = models.CharField(max_length=64, blank=True)  # a digest of the device's cookie, for throttling
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("resident's report")
        verbose_name_plural = _("residents' reports")
        indexes = [
            models.Index(fields=["grid", "status", "received_at"], name="resident_report_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="resident_report_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["accepted", "merged"], incident__isnull=False)
                | Q(status__in=["pending", "declined"], incident__isnull=True),
                name="resident_report_case_when_taken",
            ),
        ]

    def __str__(self):
        return self.tracking_code


class ReportPhoto(models.Model):
    """A photo of a resident's report (stripped of its metadata on arrival, as every photo is)."""

    report = models.ForeignKey(ResidentReport, on_delete=models.CASCADE, related_name="photos")
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="residents/%Y/%m/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "sha256"], name="one_copy_of_each_report_photo")]


class ReportNote(models.Model):
    """What a resident added to their report while it waited to be accepted (once it is a case, what
    they add is the case's `add_note` event)."""

    report = models.ForeignKey(ResidentReport, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    at = models.DateTimeField(default=timezone.now)


class Hit(models.Model):
    """Throttle counters shared by every server process: requests of one key (a device, an address)
    in one window. Unlogged: losing them in a crash only forgets a few minutes of counts."""

    key = models.CharField(max_length=100)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_counter_per_key_and_window")]
