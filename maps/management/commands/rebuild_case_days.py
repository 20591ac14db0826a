from django.core.management.base import BaseCommand

from maps import case_days


class Command(BaseCommand):
    help = (
        "Count the density map's cases per grid and day again from the cases (maps.case_days), in the days "
        "of TIME_ZONE: after a bulk load with triggers off, or a change of time zone."
    )

    def handle(self, *args, **options):
        rows = case_days.rebuild()
        self.stdout.write(f"the density map's counts rebuilt: {rows} grid-years")
