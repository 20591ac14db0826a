from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from govgrid.lib import periodic
        from grids.generations import register_mover

        from . import recipients  # noqa: F401  (registers the words of the cases' notifications)
        from .partitions import keep_ahead
        from .regrid import move_cases

        register_mover("cases", move_cases)
        periodic.on_each_sweep(keep_ahead)  # the months' partitions made ahead
