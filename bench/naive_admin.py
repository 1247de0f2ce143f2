"""The comparison for changelists: a stock ModelAdmin (same theme) on the same models and scope.

Same columns where they are plain fields (foreign keys included), same region scope, but the
admin's defaults: no list_select_related, no prefetching, the standard paginator with its COUNT.
"""

from django.contrib import admin
from django.urls import path
from unfold.admin import ModelAdmin
from unfold.sites import UnfoldAdminSite

from activities.models import Activity, Visit
from children.models import Child
from config import urls as project_urls
from pairing.models import Pairing
from volunteers.models import Volunteer

site = UnfoldAdminSite(name="naive")


def naive(model_admin_cls):
    fields = {f.name for f in model_admin_cls.model._meta.get_fields()}
    ours = admin.site._registry[model_admin_cls.model]

    class Naive(ModelAdmin):
        list_display = [name for name in ours.list_display if name in fields] or ["__str__"]
        list_filter = ours.list_filter
        search_fields = ours.search_fields

        def get_queryset(self, request):
            return super().get_queryset(request).for_user(request.user)

    site.register(model_admin_cls.model, Naive)


for model in (Child, Volunteer, Pairing, Visit, Activity):
    naive(type("Stub", (), {"model": model}))

# The project's own URLs stay mounted (the admin's menus link to its pages).
urlpatterns = [path("naive/", site.urls), *project_urls.urlpatterns]
