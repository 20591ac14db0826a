"""What the API's views do with their input, once: check it with a serializer (a refusal is the 400
naming the field, govgrid.lib.errors), and the version of a thing its client read, sent back with a
change: a stale one is refused with 409 (a consultation item, a service request, an activity), so two
people changing one thing at once never both succeed."""

from rest_framework import serializers


def checked(serializer_class, data):
    """The input `data` (a request's body or its query) as `serializer_class` validates it, a dict."""
    given = serializer_class(data=data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


class Versioned(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
