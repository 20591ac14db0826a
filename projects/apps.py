from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Party-building and governance projects")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from govgrid.lib.periodic import on_each_sweep

        from . import telling  # registers how its notifications read

        on_each_sweep(telling.tell_overdue)
