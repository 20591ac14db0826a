"""The routes of the ranking by the rating's computed criteria (ratings/api_ranking.py)."""

from django.urls import path

from . import api_ranking

api_urlpatterns = [  # under /api/v1/, joined by ratings/urls.py
    path("ratings/ranking/", api_ranking.RankingView.as_view(), name="ratings-ranking"),
    path("ratings/ranking.csv", api_ranking.RankingCsvView.as_view(), name="ratings-ranking-csv"),
    path("ratings/ranking.geojson", api_ranking.RankingGeoJsonView.as_view(), name="ratings-ranking-geojson"),
]
