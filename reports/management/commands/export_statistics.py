import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from regions.models import Region
from reports.statistics import period_statistics
from reports.statistics_book import statistics_file_name, write_statistics
from reports.statistics_views import may_see_statistics


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        message = _("A date is written YYYY-MM-DD, for example 2025-01-31: %(value)s") % {"value": text}
        raise CommandError(message) from None


class Command(ChineseCommand):
    help = "Write the period statistics workbook (流动, 儿童结构, 爱心妈妈, 结对, 走访与活动, 简报) for a date range."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD, the first day")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD, the last day")
        parser.add_argument("--region", help="region code (12 digits); all regions when omitted")
        parser.add_argument("--user", help="count as this staff account: only its region")
        parser.add_argument(
            "-o", "--output", default=".", help="FILE.xlsx; a folder (default: this one) gets the download's name"
        )

    def handle(self, *args, start, end, region, user, output, **options):
        first, last = _day(start), _day(end)
        place = None
        if region:
            place = Region.objects.filter(code=region.strip()).first()
            if place is None:
                raise CommandError(_("Unknown region code: %(code)s") % {"code": region})
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("Unknown user: %(name)s") % {"name": user})
            if not may_see_statistics(account):
                raise CommandError(_("%(name)s may not see the statistics.") % {"name": user})
            if place is not None and not Region.objects.for_user(account).filter(pk=place.pk).exists():
                raise CommandError(_("%(name)s may not see %(region)s.") % {"name": user, "region": place.name})
        try:
            figures = period_statistics(account, first, last, place)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if Path(output).is_dir():
            output = str(Path(output) / statistics_file_name(figures))
        if Path(output).suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx"))
        try:
            write_statistics(output, figures, user=account)
        except OSError as error:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": output, "error": error}) from error
        self.stdout.write(figures.briefing())
        check = figures.flow_text()
        self.stdout.write(check if figures.flow_holds else self.style.ERROR(check))
        self.stdout.write(_("Wrote %(file)s.") % {"file": output})
