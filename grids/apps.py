from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Areas and grids")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import pre_save

        from govgrid.lib.periodic import on_each_sweep

        from . import coverage_table, generations, moving
        from .accounts import end_tokens_on_new_password

        for name, mover in moving.MOVERS:
            generations.register_mover(name, mover)

        on_each_sweep(coverage_table.keep_current)  # the coverage table judged again when the day turns
        pre_save.connect(end_tokens_on_new_password, sender=settings.AUTH_USER_MODEL, dispatch_uid="end-tokens")
