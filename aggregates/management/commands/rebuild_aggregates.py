from django.core.management.base import BaseCommand

from aggregates.sql import drop, rebuild


class Command(BaseCommand):
    help = (
        "Work out every case's kept facts and the leaders' figures' sums again from the cases (after a "
        "bulk load with triggers off, or a change of time zone); --drop: keep none, count from the cases."
    )

    def add_arguments(self, parser):
        parser.add_argument("--drop", action="store_true", help="empty the aggregates; figures read the cases")

    def handle(self, *args, **options):
        if options["drop"]:
            drop()
            self.stdout.write("aggregates dropped: the figures are counted from the cases")
            return
        kept = rebuild()
        self.stdout.write(f"aggregates rebuilt: {kept} cases")
