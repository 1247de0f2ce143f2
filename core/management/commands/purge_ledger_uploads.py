import datetime

from core.commands import ChineseCommand
from core.ledger.storage import purge_uploads


class Command(ChineseCommand):
    help = "Delete uploaded ledgers left by abandoned import previews (older than a day). Run daily from cron."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        removed = purge_uploads(older_than=datetime.timedelta(hours=hours))
        self.stdout.write(f"已删除 {removed} 个过期的上传文件")
