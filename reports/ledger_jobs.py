"""The ledger import and the monthly ledger as background jobs (plugged into reports.jobs).

A large import or a county's monthly ledger runs in the worker, with progress on the job page,
instead of holding a browser tab open. Same code paths as the admin and the commands.
"""

import datetime
import shutil

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from closing.services import stored_ledger_for
from core.ledger.error_file import error_file_name, error_workbook
from core.ledger.files import LedgerFileError
from core.ledger.formats import LedgerFileFormat
from core.ledger.registry import RESOURCES, resource_class
from core.ledger.resources import report_lines, summary_counts, summary_line
from core.masking import sees_full_identity
from core.permissions import MONTHLY_LEDGER, may_export, may_import
from reports.forms import LedgerImportJobForm
from reports.jobs import JobInputError, register_export, register_import
from reports.ledger import write_ledger

LEDGER_LABELS = {
    "children": _("Import children ledger"),
    "volunteers": _("Import caring mothers roster"),
    "pairings": _("Import pairing ledger"),
    "visits": _("Import visit records"),
    "activities": _("Import activity ledger"),
}
#: The model each ledger import writes (core.permissions.may_import decides who may).
MODELS = {
    "children": "children.child",
    "volunteers": "volunteers.volunteer",
    "pairings": "pairing.pairing",
    "visits": "activities.visit",
    "activities": "activities.activity",
}


def import_ledger_file(
    data: bytes, filename: str, *, kind: str, user, progress, ledger_date="", overwrite_newer=False
) -> dict:
    """All rows or none, as in the admin; a failed import reports every row's error and keeps
    the file with a 错误原因 column for the job page."""
    ledger = kind.removeprefix("import_")
    dataset = LedgerFileFormat().create_dataset(data)
    day = datetime.date.fromisoformat(ledger_date) if ledger_date else None
    resource = resource_class(ledger)(user=user, ledger_date=day, overwrite_newer=overwrite_newer)
    resource.progress = progress
    result = resource.import_data(dataset, dry_run=False, file_name=filename)
    counts = summary_counts(result)
    lines = report_lines(result)
    if counts["errors"]:
        fixable = error_workbook(dataset, result)
        name = error_file_name(user, resource.title)
        raise JobInputError(
            summary_line(counts), errors=lines, file=ContentFile(fixable, name=name) if fixable else None
        )
    return {**counts, "summary": summary_line(counts), "notes": lines}


def write_monthly_ledger(user, month, region, path, progress) -> dict:
    progress(0, 1)
    sheets = may_export(user, MONTHLY_LEDGER)
    stored = stored_ledger_for(user, month, region=region)
    if stored is not None:  # a closed month: the file stored when it was closed
        with stored.file.open("rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)
        progress(1, 1)
        return {"stored": stored.name, "sheets": stored.sheets, "masked": stored.masked}
    figures = write_ledger(str(path), month=month, user=user, region=region, mask_for=user, sheets=sheets)
    progress(1, 1)
    # The sheets are kept so the file is re-checked against the owner's rights when downloaded.
    return {
        "children": figures.children_total,
        "activities": figures.activities.month,
        "sheets": "、".join(sheets),
        "masked": not sees_full_identity(user),
    }


for _ledger in RESOURCES:
    register_import(
        f"import_{_ledger}",
        LEDGER_LABELS[_ledger],
        import_ledger_file,
        user_errors=(JobInputError, LedgerFileError),
        permission=lambda user, label=MODELS[_ledger]: may_import(user, label),
        form_class=LedgerImportJobForm,
    )
register_export(
    "monthly_ledger",
    _("Monthly ledger"),
    write_monthly_ledger,
    document="monthly_ledger",
)
