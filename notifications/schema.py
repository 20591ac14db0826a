"""How the notifications API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors


class NotificationRow(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("e.g. case:dispatch, case:due-soon, case:overdue, case:review"))
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class NotificationList(serializers.Serializer):
    unread = serializers.IntegerField()
    results = NotificationRow(many=True)


class MarkedRead(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


notification_list = extend_schema(
    operation_id="notification_list",
    tags=["Notifications"],
    summary=_("Your notifications and how many are unread"),
    description=_("The newest 30, or only the unread ones with unread=1, in the caller's language."),
    responses={200: NotificationList, **errors(401)},
)


def notification_read(request):
    return extend_schema(
        operation_id="notification_read",
        tags=["Notifications"],
        summary=_("Mark notifications read"),
        request=request,
        responses={200: MarkedRead, **errors(400, 401)},
    )
