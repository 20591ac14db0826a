from django.urls import path

from . import api, department_pages, dispatch, figures_api, template_pages, views

urlpatterns = [
    path("dispatch/", dispatch.queue, name="dispatch"),
    path("dispatch/parked/", department_pages.parked_register, name="parked"),
    path("dispatch/templates/", template_pages.templates, name="response-templates"),
    path("department/", department_pages.department_queue, name="department-queue"),
    path("dispatch/<str:code>/", dispatch.case, name="dispatch-case"),
    path("m/", views.phone_page, name="phone"),
    path("m/sw.js", views.service_worker, name="phone-sw"),
]

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("incidents/", api.IncidentListCreateView.as_view(), name="incident-list"),
    path("incidents/<str:code>/", api.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<str:code>/photos/", api.PhotoUploadView.as_view(), name="incident-photos"),
    path("incidents/<str:code>/timeline/", api.TimelineView.as_view(), name="incident-timeline"),
    path("incidents/<str:code>/photos/<int:photo_id>/", api.PhotoFileView.as_view(), name="incident-photo"),
    path("incidents/<str:code>/<slug:action>/", api.IncidentActionView.as_view(), name="incident-action"),
    path("categories/", api.CategoryListView.as_view(), name="category-list"),
    path("figures/", figures_api.FiguresView.as_view(), name="figures"),
    path("figures/departments/", figures_api.LoopFiguresView.as_view(), name="loop-figures"),
]
