"""The 履职台账 download from the mothers' list: choose a year, get the workbook."""

import tempfile

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget

from core.downloads import as_attachment

from .work_book import work_book_name, write_work_book

#: How many years back the chooser offers.
YEARS_OFFERED = 10


class WorkBookForm(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), coerce=int, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        years = range(today.year, today.year - YEARS_OFFERED, -1)
        self.fields["year"].choices = [(y, f"{y}年") for y in years]


def work_book_view(model_admin, request):
    """GET without a year: the chooser; with one: the file (for those who may export mothers)."""
    if not model_admin.has_export_permission(request):
        raise PermissionDenied
    today = timezone.localdate()
    form = WorkBookForm(request.GET if "year" in request.GET else None, today=today)
    if form.is_valid():
        year = form.cleaned_data["year"]
        target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
        write_work_book(target, user=request.user, year=year, today=today)
        target.seek(0)
        name = work_book_name(request.user, year)
        return as_attachment(FileResponse(target, as_attachment=True, filename=name), name)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Caring mothers' yearly work ledger"),
        "opts": model_admin.model._meta,
        "form": form,
    }
    return TemplateResponse(request, "volunteers/work_book.html", context)
