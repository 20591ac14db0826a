from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AggregatesConfig(AppConfig):
    name = "aggregates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from govgrid.lib.periodic import on_each_sweep
        from incidents.figures import read_through

        from .read import kept_figures
        from .sql import fold, install_after_migrate

        read_through(kept_figures)
        on_each_sweep(fold)  # the triggers' delta rows folded into the sums
        # the SQL functions and triggers are made from the figures' Python (incidents.figures); made
        # again at every migrate, so a changed definition reaches the database with the code
        post_migrate.connect(install_after_migrate, sender=self)
