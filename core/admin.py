"""Admin base classes: every scoped register reaches its rows through ``for_user``."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.paginator import InfinitePaginator

from regions.models import Level, Region


def _scoped(queryset, request):
    """Apply the user's region scope when the model has one; lookups are shared by all."""
    if hasattr(queryset, "for_user"):
        return queryset.for_user(request.user)
    return queryset


class ScopedFormfieldsMixin:
    """Foreign-key and many-to-many choices come from the scoped queryset.

    Django's ``get_field_queryset`` ignores the related admin's ``get_queryset`` (ticket
    #34566), so without this a form would offer, and accept, another township's rows.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = _scoped(queryset, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = _scoped(queryset, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(ScopedFormfieldsMixin, ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if may_have_duplicates:
            # Searching across a many-to-many (a visit's mothers) makes Django add DISTINCT over
            # whole rows, which takes seconds on millions of visits; a primary-key semi-join
            # gives the same rows without it.
            results = queryset.filter(pk__in=results.values("pk"))
        return results, False


class LargeTableAdmin(ScopedAdmin):
    """For tables that grow to millions of rows (visits): pages without a COUNT of all rows."""

    paginator = InfinitePaginator
    show_full_result_count = False


class ScopedInline(ScopedFormfieldsMixin, TabularInline):
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LookupAdmin(ModelAdmin):
    list_display = ["name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name"]
    list_filter = ["is_active"]


class TownshipFilter(admin.SimpleListFilter):
    """Filter by township within the user's own scope (never lists other regions)."""

    title = _("township")
    parameter_name = "township"
    #: Path from the filtered model to its region.
    region_path = "region"

    def lookups(self, request, model_admin):
        townships = Region.objects.for_user(request.user).filter(level=Level.TOWNSHIP)
        return [(t.code, t.name) for t in townships.only("code", "name")]

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        township = Region.objects.for_user(request.user).filter(code=code).first()
        if township is None:
            return queryset.none()
        return queryset.in_region(township)
