from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedivisionConfig(AppConfig):
    name = "redivision"
    verbose_name = _("Re-division of the grids")
    default_auto_field = "django.db.models.BigAutoField"
