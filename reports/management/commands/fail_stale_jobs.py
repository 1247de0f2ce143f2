from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from reports.jobs import job_fail_stale


class Command(ChineseCommand):
    help = (
        "Mark as failed the running jobs whose worker stopped (no heartbeat for JOB_STALE_AFTER_SECONDS) "
        "and the jobs queued for too long."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=float, default=6.0, help="Fail jobs still queued after this many hours (default 6)."
        )

    def handle(self, *args, hours, **options):
        count = job_fail_stale(queued_before=timezone.now() - timedelta(hours=hours))
        self.stdout.write(
            _("%(count)d unfinished jobs marked as failed (running jobs silent for %(seconds)d seconds).")
            % {"count": count, "seconds": settings.JOB_STALE_AFTER_SECONDS}
        )
