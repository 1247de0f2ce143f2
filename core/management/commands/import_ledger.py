from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from core.commands import ChineseCommand
from core.ledger.files import LedgerFileError
from core.ledger.formats import LedgerFileFormat
from core.ledger.registry import RESOURCES, resource_class
from core.ledger.resources import report_lines, summary_counts, summary_line
from core.permissions import may_import


class Command(ChineseCommand):
    help = "Import a ledger spreadsheet (.xlsx, .xls, .csv) as a user, all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(RESOURCES))
        parser.add_argument("--user", required=True, help="username whose region scopes the import")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("file")

    def handle(self, *args, kind, user, dry_run, file, **options):
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
        resource = resource_class(kind)(user=account)
        result = resource.import_data(dataset, dry_run=dry_run, file_name=path.name)
        for line in report_lines(result):
            self.stdout.write(line)
        counts = summary_counts(result)
        self.stdout.write(summary_line(counts))
        if counts["errors"]:
            raise SystemExit(1)
