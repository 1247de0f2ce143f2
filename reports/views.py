"""The monthly ledger download (.xlsx and PDF), admin pages (wrapped in ``admin_site.admin_view``)."""

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse

from .indicators import parse_month
from .ledger import ledger_title, write_ledger
from .pdf import PdfUnavailable, write_ledger_pdf


def ledger_download(request):
    """The ledger of the user's own region for ``?month=YYYY-MM`` (default: this month)."""
    if not request.user.has_perm("children.view_child"):
        raise PermissionDenied
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("admin:index"))
    # A temporary file, not memory: the workbook streams to disk and is sent from there.
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    figures = write_ledger(target, month=month, user=request.user, mask_for=request.user)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=f"{ledger_title(figures)}.xlsx")


def ledger_pdf(request):
    """The same ledger as PDF (LibreOffice renders the workbook); a clear message if it cannot."""
    if not request.user.has_perm("children.view_child"):
        raise PermissionDenied
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("admin:index"))
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    try:
        figures = write_ledger_pdf(target, month=month, user=request.user, mask_for=request.user)
    except PdfUnavailable as error:
        target.close()
        messages.error(request, str(error))
        return redirect(f"{reverse('admin:index')}?month={month:%Y-%m}")
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=f"{ledger_title(figures)}.pdf", content_type="application/pdf"
    )
