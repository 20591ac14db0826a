from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "networks"
    verbose_name = _("Other networks' cells")
    default_auto_field = "django.db.models.BigAutoField"
