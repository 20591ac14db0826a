from django.urls import path

from . import api, dispatch, views

urlpatterns = [
    path("dispatch/", dispatch.queue, name="dispatch"),
    path("dispatch/<str:code>/", dispatch.case, name="dispatch-case"),
    path("m/", views.phone_page, name="phone"),
    path("m/sw.js", views.service_worker, name="phone-sw"),
    path("api/v1/categories/", api.CategoryListView.as_view(), name="category-list"),
    path("api/v1/figures/", api.FiguresView.as_view(), name="figures"),
    path("api/v1/incidents/", api.IncidentListCreateView.as_view(), name="incident-list"),
    path("api/v1/incidents/<str:code>/", api.IncidentDetailView.as_view(), name="incident-detail"),
    path("api/v1/incidents/<str:code>/photos/", api.PhotoUploadView.as_view(), name="incident-photos"),
    path("api/v1/incidents/<str:code>/timeline/", api.TimelineView.as_view(), name="incident-timeline"),
    path("api/v1/incidents/<str:code>/photos/<int:photo_id>/", api.PhotoFileView.as_view(), name="incident-photo"),
    path("api/v1/incidents/<str:code>/<slug:action>/", api.IncidentActionView.as_view(), name="incident-action"),
]
