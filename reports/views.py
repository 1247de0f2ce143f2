"""The monthly ledger download (.xlsx and PDF), admin pages (wrapped in ``admin_site.admin_view``)."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse

from closing.services import stored_ledger_for
from core.downloads import as_attachment
from core.permissions import MONTHLY_LEDGER, may_export

from .indicators import parse_month
from .ledger import ledger_file_name, write_ledger
from .pdf import PdfUnavailable, write_ledger_pdf, xlsx_to_pdf
from .replica import replica_for_wide_scopes


def _ledger_request(request):
    """(sheets, month) of a ledger download: the sheets ``may_export`` grants (a viewer: 汇总
    only; none: 403) and ``?month=YYYY-MM`` (default: this month). Bad month text: ValueError."""
    sheets = may_export(request.user, MONTHLY_LEDGER)
    if not sheets:
        raise PermissionDenied
    return sheets, parse_month(request.GET.get("month"))


def _back(request, error, month=None):
    messages.error(request, str(error))
    return redirect(reverse("admin:index") + (f"?month={month:%Y-%m}" if month else ""))


@replica_for_wide_scopes
def ledger_download(request):
    """The ledger of the user's own region for the month; a closed month's is its stored file."""
    try:
        sheets, month = _ledger_request(request)
    except ValueError as error:
        return _back(request, error)
    stored = stored_ledger_for(request.user, month)
    if stored is not None:
        name = ledger_file_name(stored.close.region, stored.close.month, "xlsx")
        return as_attachment(FileResponse(stored.file.open("rb"), as_attachment=True), name)
    # A temporary file, not memory: the workbook streams to disk and is sent from there.
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    figures = write_ledger(target, month=month, user=request.user, mask_for=request.user, sheets=sheets)
    target.seek(0)
    name = ledger_file_name(figures.region_name, figures.month, "xlsx")
    return as_attachment(FileResponse(target, as_attachment=True, filename=name), name)


@replica_for_wide_scopes
def ledger_pdf(request):
    """The same ledger as PDF (LibreOffice renders the workbook, for a closed month the stored
    one); a clear message when no PDF can be made."""
    try:
        sheets, month = _ledger_request(request)
    except ValueError as error:
        return _back(request, error)
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    try:
        stored = stored_ledger_for(request.user, month)
        if stored is not None:
            target.write(xlsx_to_pdf(Path(stored.file.path)))
            name = ledger_file_name(stored.close.region, stored.close.month, "pdf")
        else:
            figures = write_ledger_pdf(target, month=month, user=request.user, mask_for=request.user, sheets=sheets)
            name = ledger_file_name(figures.region_name, figures.month, "pdf")
    except PdfUnavailable as error:
        target.close()
        return _back(request, error, month)
    target.seek(0)
    return as_attachment(FileResponse(target, as_attachment=True, content_type="application/pdf"), name)
