from django.urls import path

from . import accounts, api, api_coverage, api_people

urlpatterns = [
    path("api/v1/auth/token/", accounts.ObtainToken.as_view(), name="auth-token"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("api/v1/areas/", api.AreaListView.as_view(), name="area-list"),
    path("api/v1/areas/lookup/", api.AreaLookupView.as_view(), name="area-lookup"),
    path("api/v1/areas/<str:code>/", api.AreaDetailView.as_view(), name="area-detail"),
    path("api/v1/coverage/grids/", api_coverage.GridCoverageView.as_view(), name="coverage-grids"),
    path("api/v1/coverage/summary/", api_coverage.CoverageSummaryView.as_view(), name="coverage-summary"),
    path("api/v1/people/", api_people.PeopleListView.as_view(), name="people-list"),
    path("api/v1/people/<int:pk>/", api_people.PersonDetailView.as_view(), name="person-detail"),
]
