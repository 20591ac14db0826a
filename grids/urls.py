from django.urls import path

from . import accounts, api, api_coverage, api_people

urlpatterns = [
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
]

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("auth/token/", accounts.ObtainToken.as_view(), name="auth-token"),
    path("areas/", api.AreaListView.as_view(), name="area-list"),
    path("areas/lookup/", api.AreaLookupView.as_view(), name="area-lookup"),
    path("areas/<str:code>/", api.AreaDetailView.as_view(), name="area-detail"),
    path("coverage/grids/", api_coverage.GridCoverageView.as_view(), name="coverage-grids"),
    path("coverage/summary/", api_coverage.CoverageSummaryView.as_view(), name="coverage-summary"),
    path("people/", api_people.PeopleListView.as_view(), name="people-list"),
    path("people/<int:pk>/", api_people.PersonDetailView.as_view(), name="person-detail"),
]
