import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.workflow import escalate_overdue


class Command(BaseCommand):
    help = (
        "Move every overdue open case up one level (grid → community → street) with its event. Safe to "
        "run beside itself and beside dispatchers: no case is ever escalated twice for one deadline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, help="seconds between rounds; run until stopped")
        parser.add_argument("--rounds", type=int, help="stop after this many rounds (with --every)")

    def handle(self, *args, **opts):
        every, rounds = opts["every"], opts["rounds"]
        if every is not None and every <= 0:
            raise CommandError(_("--every must be a positive number of seconds"))
        done = 0
        while True:
            moved = escalate_overdue()
            self.stdout.write(
                _("%(time)s: %(n)d overdue case(s) escalated")
                % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "n": moved}
            )
            done += 1
            if every is None or (rounds is not None and done >= rounds):
                return
            time.sleep(every)
