import shutil
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from closing.services import stored_ledger_for
from core.commands import ChineseCommand
from core.permissions import MONTHLY_LEDGER, may_export
from regions.models import Region
from regions.scoping import user_region
from reports.indicators import parse_month
from reports.ledger import ledger_file_name, write_ledger
from reports.pdf import PdfUnavailable, write_ledger_pdf, xlsx_to_pdf

#: The format is the output file's suffix.
WRITERS = {".xlsx": write_ledger, ".pdf": write_ledger_pdf}


class Command(ChineseCommand):
    help = "Write the monthly ledger workbook (汇总, 基础台账, 家庭监护台账, 结对帮扶关爱台账, 活动台账, 培训台账)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--region", help="region code (12 digits); all regions when omitted")
        parser.add_argument(
            "--user", help="write as this staff account: its region and its right to see full ID numbers"
        )
        parser.add_argument(
            "-o",
            "--output",
            default=".",
            help="FILE.xlsx, or FILE.pdf for the printed ledger; a folder (default: this one) gets the "
            "download's name, e.g. 离石区“爱心妈妈”结对关爱台账（2025年1月）.xlsx",
        )
        parser.add_argument(
            "--format", choices=["xlsx", "pdf"], default="xlsx", help="the format when --output is a folder"
        )

    def handle(self, *args, month, region, user, output, format, **options):
        try:
            first = parse_month(month)
        except ValueError as error:
            raise CommandError(str(error)) from error
        place = None
        if region:
            place = Region.objects.filter(code=region.strip()).first()
            if place is None:
                raise CommandError(_("Unknown region code: %(code)s") % {"code": region})
        account, sheets = None, None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("Unknown user: %(name)s") % {"name": user})
            if place is not None:
                raise CommandError(_("Give either --region or --user, not both."))
            sheets = may_export(account, MONTHLY_LEDGER)
            if not sheets:
                raise CommandError(_("%(name)s may not export the monthly ledger.") % {"name": user})
        if Path(output).is_dir():  # the name every download of this ledger has
            output = str(Path(output) / ledger_file_name(place or user_region(account), first, format))
        suffix = Path(output).suffix.lower()
        if suffix not in WRITERS:
            raise CommandError(_("The output file must end in .xlsx or .pdf"))
        stored = stored_ledger_for(account, first, region=place)
        if stored is not None:
            try:
                if suffix == ".pdf":  # the stored workbook, printed
                    Path(output).write_bytes(xlsx_to_pdf(Path(stored.file.path)))
                else:
                    with stored.file.open("rb") as source, open(output, "wb") as target:
                        shutil.copyfileobj(source, target)
            except PdfUnavailable as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                _("%(month)s is closed: wrote the stored ledger %(name)s to %(file)s.")
                % {"month": f"{first:%Y-%m}", "name": stored.name, "file": output}
            )
            return
        started = time.perf_counter()
        try:
            figures = WRITERS[suffix](output, month=first, user=account, region=place, mask_for=account, sheets=sheets)
        except PdfUnavailable as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": output, "error": error}) from error
        self.stdout.write(
            _("Wrote %(file)s: %(children)d children, %(activities)d activities (%(seconds).1f s).")
            % {
                "file": output,
                "children": figures.children_total,
                "activities": figures.activities.month,
                "seconds": time.perf_counter() - started,
            }
        )
