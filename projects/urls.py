"""The project register's routes: the API (joined under /api/v1/ by govgrid/urls.py) and the pages."""

from django.urls import path

from . import api, pages

api_urlpatterns = [  # under /api/v1/
    path("projects/", api.ProjectListView.as_view(), name="project-list"),
    path("projects/figures/", api.FiguresView.as_view(), name="project-figures"),
    path("projects/figures.csv", api.FiguresCsvView.as_view(), name="project-figures-csv"),
    path("projects/<int:pk>/", api.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:pk>/milestones/", api.MilestoneAddView.as_view(), name="project-milestones"),
    path("projects/<int:pk>/milestones/<int:milestone>/report/", api.ReportView.as_view(), name="project-report"),
    path("projects/<int:pk>/milestones/<int:milestone>/verify/", api.VerifyView.as_view(), name="project-verify"),
    path("projects/<int:pk>/milestones/<int:milestone>/return/", api.ReturnView.as_view(), name="project-return"),
    path("projects/<int:pk>/close-off/", api.CloseOffView.as_view(), name="project-close-off"),
    path("projects/<int:pk>/withdraw/", api.WithdrawView.as_view(), name="project-withdraw"),
    path("projects/<int:pk>/evidence/<int:evidence>/", api.EvidenceView.as_view(), name="project-evidence"),
]

urlpatterns = [
    path("projects/", pages.register_page, name="projects"),
    path("projects/new/", pages.new_page, name="project-new"),
    path("projects/<int:pk>/", pages.project_page, name="project-page"),
]
