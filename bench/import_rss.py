"""Import one children's ledger in this fresh interpreter and roll it back: for its peak RSS.

    python bench/import_rss.py FILE USERNAME [--preview]
    python bench/import_rss.py --baseline     # Django set up, nothing read: the RSS it starts from

bench/file_cases.py runs it through ``run_measured`` (the VmHWM of this process).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from children.resources import ChildResource  # noqa: E402
from core.ledger.formats import LedgerFileFormat  # noqa: E402
from core.ledger.resources import summary_counts, summary_line  # noqa: E402


class _Rollback(Exception):
    pass


def main(argv):
    if argv[:1] == ["--baseline"]:
        import core.ledger.files  # noqa: F401  (what the import loads, without reading a file)

        return
    path, username, dry_run = argv[0], argv[1], "--preview" in argv
    user = get_user_model().objects.get(username=username)
    data = Path(path).read_bytes()
    try:
        with transaction.atomic():
            dataset = LedgerFileFormat().create_dataset(data)
            del data
            result = ChildResource(user=user).import_data(dataset, dry_run=dry_run)
            print(summary_line(summary_counts(result)))
            raise _Rollback
    except _Rollback:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
