"""The re-division's routes: the generations' pages and admin map (page_urls), the wizard
(wizard_urls) and the generations' API (api_urls)."""

from .api_urls import api_urlpatterns as _generations_api
from .page_urls import urlpatterns as _pages
from .wizard_urls import api_urlpatterns as _wizard_api
from .wizard_urls import urlpatterns as _wizard_pages

urlpatterns = [*_pages, *_wizard_pages]

api_urlpatterns = [*_generations_api, *_wizard_api]  # under /api/v1/ (govgrid/urls.py)
