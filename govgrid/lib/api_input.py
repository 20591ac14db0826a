"""What the API's views do with their input, once: check it with a serializer (a refusal is the 400
naming the field, govgrid.lib.errors), and the version of a thing its client read, sent back with a
change: a stale one is refused with 409 (a consultation item, a service request, an activity), so two
people changing one thing at once never both succeed."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from govgrid.lib.errors import GovgridError


def checked(serializer_class, data):
    """The input `data` (a request's body or its query) as `serializer_class` validates it, a dict."""
    given = serializer_class(data=data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def checked_text(value, field, max_length, required=None):
    """A text field stripped of its surrounding blanks; refused naming `field` when longer than
    `max_length`, or when empty with the message `required` (None: it may be empty)."""
    value = (value or "").strip()
    if required and not value:
        raise GovgridError(required, field=field)
    if len(value) > max_length:
        raise GovgridError(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


class Versioned(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
