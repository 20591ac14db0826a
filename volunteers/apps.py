from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Party members and volunteers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from govgrid.lib.periodic import on_each_sweep

        from . import services, telling  # noqa: F401  (telling registers how its notifications read)

        on_each_sweep(services.sweep)

        from grids.generations import register_mover

        from .regrid import move_requests

        register_mover("service_requests", move_requests)
