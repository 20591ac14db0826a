"""OPTIONS answers of the API."""

from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    """DRF's metadata, except that a generic view with no serializer_class (it reads its input through
    a serializer of its own, as the incidents list does) describes no fields instead of failing:
    DRF would ask it for a serializer it does not have and answer OPTIONS with a server error."""

    def determine_actions(self, request, view):
        # Imported here: DRF loads this class while rest_framework.generics itself is being imported.
        from rest_framework.generics import GenericAPIView

        uses_default = type(view).get_serializer_class is GenericAPIView.get_serializer_class
        if isinstance(view, GenericAPIView) and uses_default and view.serializer_class is None:
            return {}
        return super().determine_actions(request, view)
