from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Party members and volunteers")
    default_auto_field = "django.db.models.BigAutoField"
