from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "networks"
    verbose_name = _("Other networks' cells")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from grids.generations import register_mover

        from .regrid import move_cell_mappings

        register_mover("network_cells", move_cell_mappings)
