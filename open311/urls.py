"""GeoReport v2 paths: each endpoint twice, with the format as the path's suffix."""

from django.urls import path

from . import views
from .formats import Open311JSONRenderer, Open311XMLRenderer

FORMATS = {"json": Open311JSONRenderer, "xml": Open311XMLRenderer}

ENDPOINTS = [
    ("open311/v2/services.{fmt}", views.ServiceListView, "open311-services"),
    ("open311/v2/services/<str:service_code>.{fmt}", views.ServiceDefinitionView, "open311-service"),
    ("open311/v2/requests.{fmt}", views.RequestListView, "open311-requests"),
    ("open311/v2/requests/<str:service_request_id>.{fmt}", views.RequestDetailView, "open311-request"),
]

urlpatterns = [
    path(route.format(fmt=fmt), view.as_view(renderer_classes=[renderer]), name=f"{name}-{fmt}")
    for route, view, name in ENDPOINTS
    for fmt, renderer in FORMATS.items()
]
