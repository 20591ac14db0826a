from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backups.archive import restore_backup
from govgrid.lib.pgtools import ToolError


class Command(BaseCommand):
    help = (
        "Restore an archive made by `backup` into an empty database (DATABASE_URL, or the local cluster's "
        "after `scripts/pg.sh createdb`) and its photos into an empty MEDIA_ROOT; checks the counts of "
        "cases, events, people and photos against the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a govgrid-*.tar made by `backup`")

    def handle(self, *args, **opts):
        try:
            found = restore_backup(opts["archive"])
        except ToolError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("restored: %(cases)d cases, %(events)d events, %(people)d people, %(photos)d photos") % found
        )
