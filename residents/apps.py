from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("residents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from govgrid.lib.periodic import on_each_sweep

        from . import telling  # noqa: F401 - registers how its notifications are worded
        from .throttle import forget_old

        on_each_sweep(forget_old)  # the throttle's counters of windows long past
        on_each_sweep(telling.remind_overdue)  # reports past their deadline to be accepted

        from grids.generations import register_mover

        from .regrid import move_resident_side

        register_mover("resident_side", move_resident_side)
