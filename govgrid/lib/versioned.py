"""The version of a thing its client read, sent back with a change: a stale one is refused with 409
(a consultation item, a service request, an activity), so two people changing one thing at once
never both succeed. One serializer for the API's change requests to start from."""

from rest_framework import serializers


class Versioned(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
