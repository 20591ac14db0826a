from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("Maps")

    def ready(self):
        from incidents.archive import on_partition_moved

        from . import case_days

        on_partition_moved(case_days.partition_moved)  # its counts of an archived month's cases
