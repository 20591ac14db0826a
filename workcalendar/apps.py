from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkcalendarConfig(AppConfig):
    name = "workcalendar"
    verbose_name = _("Working calendar")

    def ready(self):
        from govgrid.lib import worktime

        from . import calendar, seeding

        # govgrid.lib stays free of app imports: the app hands worktime its days.
        worktime.use_calendar(calendar.working_calendar.is_workday)
        calendar.connect_signals()
        post_migrate.connect(seeding.seed_after_migrate, sender=self)
