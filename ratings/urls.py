"""The star rating's routes."""

from django.urls import path

from . import api, pages, urls_ranking

Q = "<str:district>/<str:quarter>"

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("ratings/rounds/", api.RoundListView.as_view(), name="rating-rounds"),
    path(f"ratings/rounds/{Q}/", api.RoundView.as_view(), name="rating-round"),
    path(f"ratings/rounds/{Q}/propose-by-points/", api.ProposeByPointsView.as_view(), name="rating-propose-by-points"),
    path(f"ratings/rounds/{Q}/publish/", api.PublishView.as_view(), name="rating-publish"),
    path(f"ratings/rounds/{Q}/results/", api.ResultsView.as_view(), name="rating-results"),
    path(f"ratings/rounds/{Q}/results.csv", api.ResultsCsvView.as_view(), name="rating-results-csv"),
    path(f"ratings/rounds/{Q}/results.geojson", api.ResultsGeoJsonView.as_view(), name="rating-results-geojson"),
    path("ratings/assessments/<int:pk>/", api.AssessmentView.as_view(), name="rating-assessment"),
    *[
        path(f"ratings/assessments/<int:pk>/{name}/", view.as_view(), name=f"rating-assessment-{name}")
        for name, view in api.ACTION_VIEWS.items()
    ],
    path("ratings/assessments/<int:pk>/evidence/", api.EvidenceView.as_view(), name="rating-evidence"),
    path("ratings/evidence/<int:pk>/", api.EvidenceFileView.as_view(), name="rating-evidence-file"),
    path("ratings/stars/", api.StarsView.as_view(), name="rating-stars"),
    path("ratings/pay/<str:street>/<str:quarter>/", api.PayView.as_view(), name="rating-pay"),
    path("ratings/pay/<str:street>/<str:quarter>.csv", api.PayCsvView.as_view(), name="rating-pay-csv"),
    path("ratings/pay/<str:street>/<str:quarter>.pdf", api.PayPdfView.as_view(), name="rating-pay-pdf"),
    *urls_ranking.api_urlpatterns,
]
urlpatterns = [
    path("ratings/", pages.rounds_page, name="rating-rounds-page"),
    path("ratings/assessments/<int:pk>/", pages.assessment_page, name="rating-assessment-page"),
    path("ratings/pay/<str:street>/<str:quarter>/", pages.pay_page, name="rating-pay-page"),
    path(f"ratings/{Q}/", pages.round_page, name="rating-round-page"),
    path(f"ratings/{Q}/results/", pages.results_page, name="rating-results-page"),
]
