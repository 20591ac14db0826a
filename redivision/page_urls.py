from django.urls import path

from . import pages

urlpatterns = [
    path("redivision/", pages.generations_page, name="generations-page"),
    path("redivision/<int:generation_id>/", pages.generation_page, name="generation-page"),
]

api_urlpatterns = []
