"""The generations' API routes (under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = []

api_urlpatterns = [
    path("generations/", api.GenerationsView.as_view(), name="generation-list"),
    path("generations/<int:pk>/", api.GenerationView.as_view(), name="generation-detail"),
    path("generations/<int:pk>/check/", api.CheckView.as_view(), name="generation-check"),
    path("generations/<int:pk>/dry-run/", api.DryRunView.as_view(), name="generation-dry-run"),
    path("generations/<int:pk>/activate/", api.ActivateView.as_view(), name="generation-activate"),
    *[
        path(f"generations/<int:pk>/{name}/", view.as_view(), name=f"generation-{name}")
        for name, view in api.ACTION_VIEWS.items()
    ],
]
