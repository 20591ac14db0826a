urlpatterns = []

api_urlpatterns = []  # under /api/v1/
