from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backups.archive import make_backup
from govgrid.lib.pgtools import ToolError


class Command(BaseCommand):
    help = (
        "Write the database and the photos into one archive (govgrid-YYYYMMDD-HHMMSS.tar) in --to. "
        "Safe while govgrid serves: the dump reads one snapshot. Restore it with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", default="var/backups", help="folder for the archive (default var/backups)")
        parser.add_argument("--keep", type=int, help="then keep only the newest N archives in that folder")

    def handle(self, *args, **opts):
        if opts["keep"] is not None and opts["keep"] < 1:
            raise CommandError(_("--keep must be at least 1"))
        try:
            path = make_backup(opts["to"], keep=opts["keep"])
        except ToolError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(path))
