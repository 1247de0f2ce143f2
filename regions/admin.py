from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from core.admin import ScopedAdmin

from .models import Region, StaffProfile


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    readonly_fields = ["level", "parent"]
    ordering = ["code"]


@admin.register(StaffProfile)
class StaffProfileAdmin(ScopedAdmin):
    list_display = ["user", "region", "must_change_password"]
    search_fields = ["user__username", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["user", "region"]
    raw_id_fields = ["user"]


class StaffProfileInline(StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ["region"]
    fields = ["region", "must_change_password"]


admin.site.unregister(User)
admin.site.unregister(Group)


class SuperuserOnlyAdmin:
    """Accounts and roles are managed by superusers only.

    A county admin managing accounts could grant themselves a wider region or a superuser's
    password; keeping this with superusers is the simplest rule that cannot leak.
    """

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(User)
class StaffUserAdmin(SuperuserOnlyAdmin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "is_active", "is_superuser", "region", "last_login"]
    list_select_related = ["staff_profile__region"]

    @admin.display(description=_("assigned region"), ordering="staff_profile__region__code")
    def region(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.region.name if profile else ""


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdmin, BaseGroupAdmin, ModelAdmin):
    pass
