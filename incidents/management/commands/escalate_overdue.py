import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.sweep import escalate_overdue

log = logging.getLogger(__name__)


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
            if every is None:
                moved = escalate_overdue()
            else:
                moved = self.one_round()
            if moved is not None:
                self.stdout.write(
                    _("%(time)s: %(n)d overdue case(s) escalated")
                    % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "n": moved}
                )
            done += 1
            if every is None or (rounds is not None and done >= rounds):
                return
            time.sleep(every)

    def one_round(self):
        """A round of the running sweep. A database that is away (restarting, failing over) costs
        this round only: the connection is dropped and the next round tries again, so the sweep that
        `make run` starts keeps going instead of taking the server down with it."""
        close_old_connections()
        try:
            return escalate_overdue()
        except OperationalError as error:
            log.warning("overdue sweep skipped a round: %s", error)
            connection.close()
            return None
