from django.urls import path

from . import api, pages

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("consultations/", api.ItemListView.as_view(), name="consultation-list"),
    path("consultations/methods/<str:code>/", api.MethodView.as_view(), name="consultation-method"),
    path("consultations/<int:pk>/", api.ItemView.as_view(), name="consultation-detail"),
    path("consultations/<int:pk>/advance/", api.AdvanceView.as_view(), name="consultation-advance"),
    path("consultations/<int:pk>/meeting/", api.MeetingView.as_view(), name="consultation-meeting"),
    path("consultations/<int:pk>/decide/", api.DecideView.as_view(), name="consultation-decide"),
    path("consultations/<int:pk>/follow-up/", api.FollowUpView.as_view(), name="consultation-follow-up"),
    path("consultations/<int:pk>/evaluate/", api.EvaluateView.as_view(), name="consultation-evaluate"),
    path("consultations/<int:pk>/drop/", api.DropView.as_view(), name="consultation-drop"),
    path("resident/consultations/", api.ResidentProposalView.as_view(), name="resident-consultation"),
    path("resident/consultations/<str:secret>/", api.ResidentFollowView.as_view(), name="resident-consultation-follow"),
    path(
        "resident/consultations/<str:secret>/evaluate/",
        api.ResidentEvaluateView.as_view(),
        name="resident-consultation-evaluate",
    ),
    path("figures/consultations/", api.FiguresView.as_view(), name="consultation-figures"),
    path("export/consultations.csv", api.FiguresExportView.as_view(), name="export-consultations-csv"),
]

urlpatterns = [
    path("consultations/", pages.list_page, name="consultations"),
    path("consultations/<int:pk>/", pages.item_page, name="consultation"),
    path("r/<str:token>/consult/", pages.propose_page, name="resident-consult"),
    path("r/c/<str:secret>/", pages.follow_page, name="resident-consult-follow"),
]
