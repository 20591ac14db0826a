import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib import periodic
from incidents.reminders import remind
from incidents.sweep import escalate_overdue
from notifications.delivery import deliver_due

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "govgrid's worker, as `make run` starts it: every --every seconds the overdue sweep and the "
        "reminders of deadlines and review dates; every --deliver-every seconds the notifications' "
        "deliveries (e-mail, SMS, WeChat). Safe beside other workers and after a crash."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=60, help="seconds between sweeps (default 60)")
        parser.add_argument("--deliver-every", type=float, default=2, help="seconds between deliveries (default 2)")
        parser.add_argument("--rounds", type=int, help="stop after this many delivery rounds")

    def handle(self, *args, **opts):
        every, deliver_every, rounds = opts["every"], opts["deliver_every"], opts["rounds"]
        if every <= 0 or deliver_every <= 0:
            raise CommandError(_("--every and --deliver-every must be positive numbers of seconds"))
        next_sweep, done = 0.0, 0
        while True:
            if time.monotonic() >= next_sweep:
                self.safely(self.sweep)
                next_sweep = time.monotonic() + every
            self.safely(self.deliver)
            done += 1
            if rounds is not None and done >= rounds:
                return
            time.sleep(deliver_every)

    def sweep(self):
        moved, told = escalate_overdue(), remind()
        periodic.run_all()
        if moved or told:
            self.stdout.write(
                _("%(time)s: %(n)d overdue case(s) escalated, %(t)d reminder(s) queued")
                % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "n": moved, "t": told}
            )

    def deliver(self):
        sent, failed = deliver_due()
        if sent or failed:
            self.stdout.write(
                _("%(time)s: %(sent)d notification(s) delivered, %(failed)d to retry")
                % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "sent": sent, "failed": failed}
            )
            self.stdout.flush()

    def safely(self, work):
        """A database that is away (restarting, failing over) costs this round only: the connection is
        dropped and the next round tries again, so the worker keeps going."""
        close_old_connections()
        try:
            work()
        except OperationalError as error:
            log.warning("worker skipped a round: %s", error)
            connection.close()
