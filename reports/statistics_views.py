"""The period statistics page (阶段统计) and its download, behind the admin's login."""

import tempfile

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.downloads import as_attachment
from core.permissions import MONTHLY_LEDGER, may_export

from .forms import StatisticsForm
from .replica import replica_for_wide_scopes
from .statistics import SHEETS, period_statistics
from .statistics_book import statistics_file_name, write_statistics


def may_see_statistics(user) -> bool:
    """Figures only, no person: whoever may have the ledger's 汇总 sheet (the dashboard's figures)."""
    return "汇总" in may_export(user, MONTHLY_LEDGER)


def _figures(request):
    if not may_see_statistics(request.user):
        raise PermissionDenied
    form = StatisticsForm(request.GET or None, user=request.user, today=timezone.localdate())
    if not request.GET:  # first visit: this quarter
        form = StatisticsForm({"period": "this_quarter"}, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    figures = period_statistics(request.user, data["start"], data["end"], data.get("region"))
    return form, figures


@replica_for_wide_scopes
def statistics_page(request):
    form, figures = _figures(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Period statistics"),
        "form": form,
        "figures": figures,
        "sheets": [(name, figures.tables()[name]) for name in SHEETS] if figures else [],
        "download_url": f"{reverse('reports:statistics_xlsx')}?{request.GET.urlencode()}",
    }
    return TemplateResponse(request, "reports/statistics.html", context)


@replica_for_wide_scopes
def statistics_xlsx(request):
    form, figures = _figures(request)
    if figures is None:
        return statistics_page(request)
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    write_statistics(target, figures, user=request.user)
    target.seek(0)
    name = statistics_file_name(figures)
    return as_attachment(FileResponse(target, as_attachment=True, filename=name), name)


statistics_page_view = admin.site.admin_view(statistics_page)
statistics_xlsx_view = admin.site.admin_view(statistics_xlsx)
