from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from incidents.photos import strip_stored_photos


class Command(BaseCommand):
    help = (
        "Write the stored photos that still carry EXIF (GPS included), XMP or comments again without "
        "them, their orientation applied to the pixels, as every upload now is. A dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="rewrite the photos (otherwise only count them)")

    def handle(self, *args, **opts):
        looked, stripped, unreadable = strip_stored_photos(commit=opts["commit"])
        counts = {"looked": looked, "stripped": stripped, "unreadable": unreadable}
        if opts["commit"]:
            message = _("%(looked)d photo(s) looked at, %(stripped)d written again without metadata") % counts
        else:
            message = _("%(looked)d photo(s) looked at, %(stripped)d carry metadata (dry run: add --commit)") % counts
        self.stdout.write(message)
        if unreadable:
            self.stderr.write(_("%(unreadable)d photo(s) could not be read as pictures and were left") % counts)
