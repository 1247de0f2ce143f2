from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from core.permissions import may_export
from volunteers.work_book import work_book_name, write_work_book


class Command(ChineseCommand):
    help = "Write the caring mothers' yearly work ledger (履职台账) of a staff account's area."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="YYYY")
        parser.add_argument("--user", required=True, help="as this staff account: its region, its masking")
        parser.add_argument(
            "-o", "--output", default=".", help="FILE.xlsx; a folder (default: this one) gets the download's name"
        )

    def handle(self, *args, year, user, output, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("Unknown user: %(name)s") % {"name": user})
        if not may_export(account, "volunteers.volunteer"):
            raise CommandError(_("%(name)s may not export the caring mothers.") % {"name": user})
        if Path(output).is_dir():
            output = str(Path(output) / work_book_name(account, year))
        if Path(output).suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx"))
        try:
            rows = write_work_book(output, user=account, year=year)
        except ValueError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": output, "error": error}) from error
        self.stdout.write(_("Wrote %(file)s: %(rows)d caring mothers.") % {"file": output, "rows": rows})
