urlpatterns = []

api_urlpatterns = []  # under /api/v1/ (govgrid/urls.py)
