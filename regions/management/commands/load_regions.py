from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from core.ledger.files import LedgerFileError, read_grid
from regions.services import RegionLoadError, regions_load


class Command(ChineseCommand):
    help = "Create or update the region tree from a CSV or XLSX file with columns 代码, 名称."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(_("File not found: %(file)s") % {"file": file})
        try:
            result = regions_load(rows=read_grid(path.read_bytes()))
        except LedgerFileError as exc:
            raise CommandError(str(exc)) from exc
        except RegionLoadError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(_("The region file has errors; nothing was written.")) from exc
        self.stdout.write(
            _("Added %(created)d, updated %(updated)d, unchanged %(unchanged)d")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )
