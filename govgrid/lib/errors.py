"""Domain errors and the one place where they become HTTP answers.

Each app raises a subclass of GovgridError; the API's exception handler maps its `status` to the
response, so views never translate errors by hand. Messages are lazily translated: the user's
language decides, Simplified Chinese by default.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler


class GovgridError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message, field=None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def as_dict(self):
        body = {"detail": str(self.message), "code": self.code}
        if self.field:
            body["field"] = self.field
        body.update({k: v for k, v in self.extra.items() if v is not None})
        return body


class NotFound(GovgridError):
    status = 404
    code = "not_found"


def api_exception_handler(exc, context):
    """Every API error has one shape: {"detail", "code"}, plus "field" and "errors" (every field's
    messages) when input was refused, so a client can show `detail` and mark `field`."""
    if isinstance(exc, GovgridError):
        response = Response(exc.as_dict(), status=exc.status)
        if exc.extra.get("retry_after"):
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        errors = {
            field: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])] for field, msgs in exc.detail.items()
        }
        field, messages = next(iter(errors.items()))
        response.data = {"detail": f"{field}: {messages[0]}", "code": "invalid", "field": field, "errors": errors}
    elif isinstance(exc, APIException):
        response.data = {"detail": str(exc.detail), "code": getattr(exc.detail, "code", exc.default_code)}
    return response


class Conflict(GovgridError):
    status = 409
    code = "conflict"


class Unprocessable(GovgridError):
    status = 422
    code = "unprocessable"


# --- the error shape as the OpenAPI document describes it ---------------------------------------


class ApiError(serializers.Serializer):
    """Every refusal of the API (govgrid.lib.errors): `detail` to show, `code` to branch on, and for
    refused input the first refused `field` and every field's messages in `errors`."""

    detail = serializers.CharField(help_text=_("What went wrong, in the caller's language."))
    code = serializers.CharField(help_text=_("A stable word for programs, e.g. invalid, not_found, stale."))
    field = serializers.CharField(required=False, help_text=_("The refused field."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Every refused field with its messages."),
    )


ERROR_DESCRIPTIONS = {
    400: _("Refused input: `field` names it."),
    401: _("No token, or an unknown one."),
    403: _("Not allowed to the caller."),
    404: _("Not found in the caller's areas."),
    409: _("A conflict with the current state."),
    422: _("Valid but impossible here."),
    429: _("Too many failed logins."),
}


def errors(*statuses):
    """{status: the error shape} for extend_schema's responses."""
    return {status: OpenApiResponse(ApiError, description=ERROR_DESCRIPTIONS[status]) for status in statuses}
