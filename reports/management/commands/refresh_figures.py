import signal
import time

from django.db import InterfaceError, OperationalError, connections
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from reports.summary import refresh_figures


def _stop(signum, frame):
    raise KeyboardInterrupt


class Command(ChineseCommand):
    help = (
        "Bring the stored month figures of the wide dashboards up to date: the months not stored or "
        "stored as of another day, and the regions changed since the last refresh (reports.summary)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every stored month for every region.")
        parser.add_argument(
            "--every", type=int, default=0, help="Keep running, refreshing every this many seconds (make run)."
        )

    def handle(self, *args, full, every, **options):
        if not every:
            self.refresh(full=full)
            return
        signal.signal(signal.SIGTERM, _stop)
        try:
            while True:
                try:
                    self.refresh(full=full)
                except (OperationalError, InterfaceError) as exc:
                    connections.close_all()
                    self.stderr.write(str(exc))
                full = False
                time.sleep(every)
        except KeyboardInterrupt:
            return

    def refresh(self, *, full):
        done = refresh_figures(full=full)
        self.stdout.write(_("Figures refreshed: %(months)d months whole, %(regions)d region-months changed.") % done)
