from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from closing import services
from core.commands import ChineseCommand

from ._month import month_region_user


class Command(ChineseCommand):
    help = "Close (审核/锁定) a region's month: store its ledger and figures; later downloads return the stored file."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--region", required=True, help="region code (12 digits)")
        parser.add_argument("--user", required=True, help="the county admin who closes it")

    def handle(self, *args, month, region, user, **options):
        first, place, account = month_region_user(month, region, user)
        try:
            close = services.month_close(region=place, month=first, by=account)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(
            _("Closed %(region)s %(month)s; stored %(files)d ledger files.")
            % {
                "region": place.name,
                "month": f"{first:%Y-%m}",
                "files": close.ledgers.filter(superseded_at=None).count(),
            }
        )
