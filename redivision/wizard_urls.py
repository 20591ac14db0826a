"""The wizard's routes: its page and its API."""

from django.urls import path

from . import wizard_api, wizard_pages

urlpatterns = [
    path("redivision/<int:generation>/wizard/", wizard_pages.wizard_for, name="redivision-wizard-for"),
    path("redivision/<int:generation>/wizard/<str:community>/", wizard_pages.wizard_page, name="redivision-wizard"),
]

api_urlpatterns = [  # under /api/v1/
    path("generations/<int:pk>/wizard/", wizard_api.WizardView.as_view(), name="generation-wizard"),
]
