"""Where uploaded ledgers wait between preview and confirm, and how they are purged.

They hold ID numbers, so they live in one private folder, are deleted after the import
or a failed preview, and anything left (an abandoned preview) is purged after a day.
"""

import contextlib
import datetime
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from import_export.tmp_storages import TempFolderStorage


def upload_dir() -> Path:
    path = Path(settings.LEDGER_UPLOAD_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class LedgerUploadStorage(TempFolderStorage):
    def get_full_path(self):
        name = os.path.basename(self.name)  # never a path from the confirm form
        return str(upload_dir() / name)

    def save(self, data):
        if not self.name:
            self.name = uuid.uuid4().hex
        # Private to the service user whatever the process umask: the file holds ID numbers.
        descriptor = os.open(self.get_full_path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def read(self):
        with open(self.get_full_path(), "rb") as file:
            return file.read()

    def remove(self):
        with contextlib.suppress(FileNotFoundError):
            super().remove()


def purge_uploads(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    """Delete uploads older than ``older_than``; returns how many were deleted."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
