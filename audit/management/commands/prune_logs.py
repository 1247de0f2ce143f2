from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import LOG_MODELS
from core.commands import ChineseCommand


class Command(ChineseCommand):
    help = "Delete audit log entries older than N days (never fewer than the retention period)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True, dest="days")

    @transaction.atomic
    def handle(self, *args, days, **options):
        minimum = settings.AUDIT_MIN_RETENTION_DAYS
        if days < minimum:
            raise CommandError(
                _("Logs are kept at least %(minimum)d days; refusing to delete entries younger than that.")
                % {"minimum": minimum}
            )
        total = 0
        for model in LOG_MODELS:
            deleted, _detail = model.objects.older_than(days).delete()
            total += deleted
            self.stdout.write(f"{model._meta.verbose_name_plural}: {deleted}")
        self.stdout.write(_("Deleted %(count)d log entries older than %(days)d days.") % {"count": total, "days": days})
