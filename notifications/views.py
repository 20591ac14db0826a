"""The notification list (everyone's, with the unread ones marked), marking as read, and the choice
of channels; the API gives the same list and unread count to the phone page and scripts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import schema as docs
from .messages import render as words
from .models import Notification, Preference

PAGE = 30


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _rows(notifications):
    rows = []
    for notification in notifications:
        title, body = words(notification)
        rows.append({"notification": notification, "title": title, "body": body})
    return rows


@login_required
def notification_list(request):
    if request.method == "POST":
        mark_read(request.user, request.POST.getlist("id"), everything=bool(request.POST.get("all")))
        return redirect("notifications")
    page = Paginator(Notification.objects.filter(user=request.user), PAGE).get_page(request.GET.get("page", 1))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "rows": _rows(page.object_list), "unread": unread_count(request.user)},
    )


def mark_read(user, ids, everything=False):
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if not everything:
        unread = unread.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
    return unread.update(read_at=timezone.now())


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email", "sms", "wechat", "wechat_openid"]

    def clean(self):
        data = super().clean()
        if data.get("wechat") and not data.get("wechat_openid"):
            self.add_error("wechat_openid", _("Give your WeChat OpenID to be told by WeChat."))
        return data


@login_required
def preferences(request):
    preference, _created = Preference.objects.get_or_create(user=request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification channels are saved."))
        return redirect("notification-preferences")
    return render(
        request, "notifications/preferences.html", {"form": form, "email": request.user.email, "title": TITLE}
    )


TITLE = gettext_lazy("How you are told")


class NotificationListView(APIView):
    """GET /api/v1/notifications/?unread=1 — the caller's notifications, newest first, with the unread
    count; POST /api/v1/notifications/read/ {ids: [...]} or {all: true} marks them read."""

    permission_classes = [IsAuthenticated]

    @docs.notification_list
    def get(self, request):
        notifications = Notification.objects.filter(user=request.user)
        if request.query_params.get("unread") in ("1", "true"):
            notifications = notifications.filter(read_at__isnull=True)
        rows = _rows(notifications[:PAGE])
        return Response(
            {
                "unread": unread_count(request.user),
                "results": [
                    {
                        "id": row["notification"].pk,
                        "kind": row["notification"].kind,
                        "title": row["title"],
                        "body": row["body"],
                        "url": row["notification"].url,
                        "created_at": row["notification"].created_at,
                        "read": row["notification"].read_at is not None,
                    }
                    for row in rows
                ],
            }
        )


class MarkReadRequest(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500, required=False)
    all = serializers.BooleanField(required=False, default=False)


class MarkReadView(APIView):
    permission_classes = [IsAuthenticated]

    @docs.notification_read(MarkReadRequest)
    def post(self, request):
        data = MarkReadRequest(data=request.data)
        data.is_valid(raise_exception=True)
        marked = mark_read(request.user, data.validated_data.get("ids", []), data.validated_data["all"])
        return Response({"marked": marked, "unread": unread_count(request.user)})
