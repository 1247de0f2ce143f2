import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from core.commands import ChineseCommand
from core.ledger.error_file import error_workbook
from core.ledger.files import LedgerFileError
from core.ledger.formats import LedgerFileFormat
from core.ledger.registry import RESOURCES, resource_class
from core.ledger.resources import report_lines, summary_counts, summary_line
from core.permissions import may_import


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--ledger-date 应为 YYYY-MM-DD：{value}") from None


class Command(ChineseCommand):
    help = "Import a ledger spreadsheet (.xlsx, .xls, .csv) as a user, all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(RESOURCES))
        parser.add_argument("--user", required=True, help="username whose region scopes the import")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--ledger-date", type=iso_date, help="the date the ledger speaks for (else its 填报日期), YYYY-MM-DD"
        )
        parser.add_argument(
            "--overwrite-newer", action="store_true", help="also change values the system changed after that date"
        )
        parser.add_argument("--errors-out", help="when rows have errors, write the file back with 错误原因 here")
        parser.add_argument("file")

    def handle(self, *args, kind, user, dry_run, file, ledger_date, overwrite_newer, errors_out, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"没有这个用户：{user}")
        if not may_import(account, resource_class(kind)._meta.model._meta.label_lower):
            raise CommandError(f"{user} 无权导入这个台账。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            dataset = LedgerFileFormat().create_dataset(path.read_bytes())
        except LedgerFileError as exc:
            self.stdout.write(f"{path.name}：{exc}")
            self.stdout.write(summary_line({"new": 0, "updated": 0, "skipped": 0, "errors": 1}))
            raise SystemExit(1) from None
        resource = resource_class(kind)(user=account, ledger_date=ledger_date, overwrite_newer=overwrite_newer)
        result = resource.import_data(dataset, dry_run=dry_run, file_name=path.name)
        known = getattr(result, "ledger_date", None)
        self.stdout.write(f"台账日期：{known.isoformat()}" if known else "台账日期未知")
        for line in report_lines(result):
            self.stdout.write(line)
        counts = summary_counts(result)
        if errors_out and (data := error_workbook(dataset, result)):
            Path(errors_out).write_bytes(data)
            self.stdout.write(f"错误文件：{errors_out}")
        self.stdout.write(summary_line(counts))
        if counts["errors"]:
            raise SystemExit(1)
