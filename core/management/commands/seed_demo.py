from io import StringIO

from django.core.management import call_command
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from core.demo import DemoSize, Generator
from regions.models import Region

SCALES = {"demo": DemoSize()}


class Command(ChineseCommand):
    help = "Load a believable demo district (吕梁市离石区) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "city", "province"], default="demo")
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args, scale, seed, **options):
        if scale not in SCALES:
            self.stderr.write(_("The %(scale)s scale is not available yet.") % {"scale": scale})
            return
        accounts, created = Generator(SCALES[scale], seed=seed).run()
        if created:
            # The generator bulk-creates rows, which skips the history signals: give every row its
            # "created" history entry so later changes have something to be compared with.
            call_command("populate_history", "--auto", stdout=StringIO(), stderr=StringIO())
            self.stdout.write(_("Demo data loaded: %(regions)d regions.") % {"regions": Region.objects.count()})
        else:
            self.stdout.write(_("Demo data already present; accounts refreshed."))
        self.stdout.write(_("Demo logins (username / password):"))
        for username, password, label in accounts:
            self.stdout.write(f"  {username} / {password}  {label}")
