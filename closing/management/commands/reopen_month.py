from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from closing import services
from core.commands import ChineseCommand

from ._month import month_region_user


class Command(ChineseCommand):
    help = "Reopen a closed month (needs a county admin and a reason; the stored files are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--region", required=True, help="region code (12 digits)")
        parser.add_argument("--user", required=True, help="the county admin who reopens it")
        parser.add_argument("--reason", required=True, help="why it is reopened")

    def handle(self, *args, month, region, user, reason, **options):
        first, place, account = month_region_user(month, region, user)
        try:
            services.month_reopen(region=place, month=first, by=account, reason=reason)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(_("Reopened %(region)s %(month)s.") % {"region": place.name, "month": f"{first:%Y-%m}"})
