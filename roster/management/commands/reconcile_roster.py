from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from core.commands import ChineseCommand
from roster.reconcile import SOURCES, RosterError, may_reconcile, reconcile
from roster.result_file import result_workbook


class Command(ChineseCommand):
    help = "全覆盖核查: compare a roster from 民政 or 教育 with the user's children; writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username whose region and masking apply")
        parser.add_argument("-o", "--output", required=True, help="the result workbook (.xlsx)")
        parser.add_argument("--source", choices=sorted(SOURCES), default="", help="where the list comes from")

    def handle(self, *args, file, user, output, source, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"没有这个用户：{user}")
        if not may_reconcile(account):
            raise CommandError(f"{user} 无权进行全覆盖核查。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            result = reconcile(path.read_bytes(), path.name, user=account, source=source)
        except RosterError as exc:
            raise CommandError(f"{path.name}：{exc}") from None
        Path(output).write_bytes(result_workbook(result, user=account))
        self.stdout.write(result.summary_line())
        if result.unreadable:
            self.stdout.write(f"无法核对 {len(result.unreadable)}")
