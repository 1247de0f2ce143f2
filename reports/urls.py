from django.contrib import admin
from django.urls import path

from . import job_views as views
from .dossier_views import child_dossier_pdf, pairing_card_view
from .statistics_views import statistics_page_view, statistics_xlsx_view
from .views import ledger_pdf

app_name = "reports"

urlpatterns = [
    path("jobs/<int:pk>/status/", views.job_status_view, name="job_status"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
    # Outside /admin/ (whose catch-all comes first), but behind the admin's login all the same.
    path("reports/ledger.pdf", admin.site.admin_view(ledger_pdf), name="ledger_pdf"),
    path("reports/statistics/", statistics_page_view, name="statistics"),
    path("reports/statistics.xlsx", statistics_xlsx_view, name="statistics_xlsx"),
    path("reports/children/<int:pk>/dossier.pdf", admin.site.admin_view(child_dossier_pdf), name="child_dossier_pdf"),
    path("reports/pairings/<int:pk>/card.pdf", admin.site.admin_view(pairing_card_view), name="pairing_card_pdf"),
]
