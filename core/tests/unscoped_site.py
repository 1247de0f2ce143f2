"""A throwaway admin site: the real registry with one deliberately unscoped admin for Child.

Used (as ROOT_URLCONF) by the test showing that the access matrix catches a leak.
"""

from django.contrib import admin
from django.urls import include, path
from unfold.admin import ModelAdmin

from children.models import Child

site = type(admin.site)(name="admin")


class LeakyChildAdmin(ModelAdmin):
    """What an app admin would look like if it forgot the scoped base class."""

    list_display = ["name", "id_number", "region"]
    search_fields = ["name", "id_number"]


for model, model_admin in admin.site._registry.items():
    site.register(model, LeakyChildAdmin if model is Child else type(model_admin))

# The project's own pages stay mounted: the admin's menus link to them.
urlpatterns = [
    path("admin/", site.urls),
    path("", include("activities.urls")),
    path("", include("children.urls")),
    path("", include("todo.urls")),
]
