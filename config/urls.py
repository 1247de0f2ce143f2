from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core.views import view_on_site
from regions.proposal_views import regions_add_view
from reports.views import ledger_download
from todo.views import login as login_landing

# MEDIA_URL is deliberately not served: visit photos go through activities:visit_photo,
# which checks that the user may see the child.
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/reports/ledger/", admin.site.admin_view(ledger_download), name="reports_ledger"),
    path("", include("closing.urls")),
    # Before admin.site.urls, which would answer it with Django's unscoped shortcut.
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site), name="view_on_site"),
    path("", include("roster.urls")),
    path("admin/regions/add-below/", admin.site.admin_view(regions_add_view), name="regions_add_below"),
    # Before admin.site.urls: the admin's own login, after which township staff land on 待办.
    path("admin/login/", login_landing),
    path("admin/", admin.site.urls),
    path("", include("activities.urls")),
    path("", include("children.urls")),
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("", include("safeguarding.urls")),
    path("", include("todo.urls")),
    path("", include("proposals.urls")),
    path("", include("mothers.urls")),
]
