"""The monthly ledger download, an admin page (wrapped in ``admin_site.admin_view``)."""

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse

from closing.services import stored_ledger_for
from core.downloads import as_attachment
from core.permissions import MONTHLY_LEDGER, may_export

from .indicators import parse_month
from .ledger import ledger_title, write_ledger


def ledger_download(request):
    """The ledger of the user's own region for ``?month=YYYY-MM`` (default: this month), with
    the sheets ``may_export`` grants (a viewer: 汇总 only)."""
    sheets = may_export(request.user, MONTHLY_LEDGER)
    if not sheets:
        raise PermissionDenied
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("admin:index"))
    stored = stored_ledger_for(request.user, month)
    if stored is not None:
        return as_attachment(FileResponse(stored.file.open("rb"), as_attachment=True), stored.name)
    # A temporary file, not memory: the workbook streams to disk and is sent from there.
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    figures = write_ledger(target, month=month, user=request.user, mask_for=request.user, sheets=sheets)
    target.seek(0)
    name = f"{ledger_title(figures)}.xlsx"
    return as_attachment(FileResponse(target, as_attachment=True, filename=name), name)
