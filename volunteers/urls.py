"""The volunteers' routes, joined from one module per part, so each part keeps its routes beside its
views: service requests (点单…评单), the Party groups' duties (三个一), activities, the work units'
reports, figures."""

from . import urls_activities, urls_duties, urls_figures, urls_reports, urls_requests

PARTS = (urls_requests, urls_duties, urls_activities, urls_reports, urls_figures)

api_urlpatterns = [route for part in PARTS for route in part.api_urlpatterns]  # under /api/v1/
urlpatterns = [route for part in PARTS for route in part.urlpatterns]
