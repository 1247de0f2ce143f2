from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from core.admin import ScopedAdmin

from .models import Region, StaffProfile
from .services import region_check, region_save


class RegionForm(forms.ModelForm):
    """Checks the write against the account's region before anything is saved (the service
    checks again under a lock); ``user`` is set by ``RegionAdmin.get_form``."""

    user = None

    class Meta:
        model = Region
        fields = ["code", "name"]

    def clean(self):
        data = super().clean()
        if "code" in data and "name" in data:
            region = self.instance if self.instance.pk else None
            try:
                region_check(region=region, code=data["code"], name=data["name"].strip(), by=self.user)
            except ValidationError as error:
                # On "code" even when not about it: a refused code never reaches the instance,
                # whose parent (looked up by code, unscoped) the page would show — naming the
                # township another county has under that code.
                self.add_error(None if hasattr(error, "error_dict") else "code", error)
        return data


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    """Everyone sees its own region and below (``for_user``); changes only strictly below it."""

    form = RegionForm
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    readonly_fields = ["level", "parent"]
    ordering = ["code"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or Region.objects.editable_by(request.user).filter(pk=obj.pk).exists())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The form passed, then the service refused under its lock (another admin saved the
            # same code or name in between): the transaction is rolled back; say so and reload.
            for message in error.messages:
                messages.error(request, message)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        saved = region_save(region=obj if change else None, code=obj.code, name=obj.name, by=request.user)
        obj.pk, obj.level, obj.parent = saved.pk, saved.level, saved.parent


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
