from django.contrib import admin
from django.urls import path

from . import views

# Under admin/children/ (before admin.site.urls): the page belongs to 儿童 in the sidebar.
urlpatterns = [
    path("admin/children/reconcile/", admin.site.admin_view(views.reconcile_view), name="roster_reconcile"),
    path(
        "admin/children/reconcile/<str:token>/propose/",
        admin.site.admin_view(views.propose_view),
        name="roster_propose",
    ),
    path(
        "admin/children/reconcile/<str:token>/file/",
        admin.site.admin_view(views.result_file_view),
        name="roster_result_file",
    ),
]
