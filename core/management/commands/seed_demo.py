import time
from io import StringIO

from django.core.management import call_command
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from core.demo import SCALES, Generator
from regions.models import Region
from reports.summary import refresh_figures


class Command(ChineseCommand):
    help = "Load demo data (demo: 吕梁市离石区 as in the report; city/province for benchmarks) and print logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args, scale, seed, **options):
        started = time.monotonic()

        def progress(county, done):
            if scale != "demo":
                self.stdout.write(f"  {done}: {county.name} ({time.monotonic() - started:.0f}s)")

        accounts, populated = Generator(SCALES[scale], seed=seed).run(progress=progress)
        if populated and scale == "demo":
            # The generator bulk-creates rows, which skips the history signals: give every row its
            # "created" history entry so later changes have something to be compared with.
            # (Benchmark scales skip this: millions of initial history rows measure nothing.)
            call_command("populate_history", "--auto", stdout=StringIO(), stderr=StringIO())
        if populated:
            # COPY skips the services' marks: store the wide dashboards' figures whole.
            refresh_figures(full=True)
            self.stdout.write(
                _("Demo data loaded: %(counties)d counties, %(regions)d regions, %(seconds).0f s.")
                % {"counties": populated, "regions": Region.objects.count(), "seconds": time.monotonic() - started}
            )
        else:
            self.stdout.write(_("Demo data already present; accounts refreshed."))
        self.stdout.write(_("Demo logins (username / password):"))
        for username, password, label in accounts:
            self.stdout.write(f"  {username} / {password}  {label}")
