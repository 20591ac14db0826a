"""The requests part of the volunteers' routes (volunteers/urls.py joins the parts)."""

api_urlpatterns = []  # under /api/v1/ (govgrid/urls.py)
urlpatterns = []
