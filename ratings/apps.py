from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Star rating of communities")
    default_auto_field = "django.db.models.BigAutoField"
