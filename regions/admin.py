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


@admin.register(User)
class StaffUserAdmin(BaseUserAdmin, ModelAdmin):
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
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass
