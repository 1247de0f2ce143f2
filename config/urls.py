from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from reports.views import ledger_download

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/reports/ledger/", admin.site.admin_view(ledger_download), name="reports_ledger"),
    path("admin/", admin.site.urls),
]
