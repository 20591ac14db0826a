"""What a person is told, and its delivery by each channel they chose.

A notification is queued in the same transaction as what it tells of (an action's event, a deadline
the worker saw come near), once per person and `source`: a retried action or a second round of the
worker never tells anyone twice. Each channel a person chose beyond the in-app list gets a delivery
row, which the worker (notifications.delivery) sends with retries and keeps as the record of it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    # None: someone with no login, told only at an address (a resident's phone: notifications.outbox.text)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # What it is about, unique per person: "event:1234", "due-soon:56:2026-12-07T09:00:00+00:00"...
    source = models.CharField(max_length=120)
    kind = models.CharField(_("kind"), max_length=30)
    params = models.JSONField(default=dict)  # what its words need (notifications.messages renders them)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "source"], name="one_notification_a_source"),
            models.UniqueConstraint(
                fields=["source"], condition=Q(user__isnull=True), name="one_notification_a_source_without_login"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="unread_notifications"),
            # whether anyone was told of a source yet (incidents.reminders asks it of every case due)
            models.Index(fields=["source"], name="notification_source"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.user_id}"


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")  # claimed by a worker until `next_try_at`
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")  # given up after the last attempt

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_a_channel")]
        indexes = [
            models.Index(
                fields=["next_try_at"], condition=Q(status__in=["pending", "sending"]), name="deliveries_to_send"
            )
        ]

    def __str__(self):
        return f"{self.channel} → {self.address} ({self.status})"


class Preference(models.Model):
    """The channels a person is told by besides the in-app list (always on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_by")
    email = models.BooleanField(_("by e-mail"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    wechat = models.BooleanField(_("by WeChat"), default=False)
    wechat_openid = models.CharField(_("WeChat OpenID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)
