from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.archive import ArchiveError, archivable, archive


class Command(BaseCommand):
    help = (
        "Archive the months of cases older than --older-than months: each month's cases, events and the "
        "rows naming them leave the tables, are dumped with pg_dump into --directory and dropped (kept in "
        "their schema with --keep). A dry run that lists the months unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, help="months before the current one")
        parser.add_argument("--directory", required=True, help="where the dumps are written")
        parser.add_argument("--keep", action="store_true", help="keep the archived tables in their schema")
        parser.add_argument("--commit", action="store_true", help="archive (otherwise only list the months)")

    def handle(self, *args, **opts):
        if opts["older_than"] < 1:
            raise CommandError(_("--older-than must be at least 1 month"))
        months = archivable(opts["older_than"], timezone.localdate())
        for partition in months:
            if not opts["commit"]:
                self.stdout.write(_("would archive %(table)s") % {"table": partition.table})
                continue
            try:
                path, counts = archive(partition, opts["directory"], keep=opts["keep"])
            except ArchiveError as error:
                raise CommandError(str(error)) from error
            rows = ", ".join(f"{table} {count}" for table, count in counts.items())
            self.stdout.write(
                _("%(table)s archived into %(path)s: %(rows)s") % {"table": partition.table, "path": path, "rows": rows}
            )
        if not months:
            self.stdout.write(_("No month is old enough to archive."))
