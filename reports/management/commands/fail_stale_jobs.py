from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from reports.jobs import job_fail_stale


class Command(ChineseCommand):
    help = "Mark background jobs that have been queued or running for too long as failed (their worker died)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=6.0, help="Older than this many hours (default 6).")

    def handle(self, *args, hours, **options):
        count = job_fail_stale(started_before=timezone.now() - timedelta(hours=hours))
        self.stdout.write(_("%(count)d unfinished jobs marked as failed.") % {"count": count})
