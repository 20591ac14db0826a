from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from incidents.archive import ArchiveError, restore


class Command(BaseCommand):
    help = (
        "Put back a month of cases that archive_cases archived: its dump (incidents_archive_<month>.dump), "
        "or its schema when it was kept, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", help="the month's dump file, incidents_archive_<month>.dump")

    def handle(self, *args, **opts):
        try:
            counts = restore(opts["dump"])
        except ArchiveError as error:
            raise CommandError(str(error)) from error
        rows = ", ".join(f"{table} {count}" for table, count in counts.items())
        self.stdout.write(_("Restored: %(rows)s") % {"rows": rows})
