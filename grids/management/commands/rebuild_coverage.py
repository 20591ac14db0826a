"""manage.py rebuild_coverage: judge every current grid again into the maintained coverage table."""

from django.core.management.base import BaseCommand

from grids.coverage_table import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the coverage table (grids_gridcoverage) for today and the settings' rules; the worker "
        "does it by itself when the day turns or the settings change."
    )

    def handle(self, *args, **options):
        grids = rebuild()
        self.stdout.write(f"coverage table rebuilt: {grids} grids")
