from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline
from unfold.decorators import action
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from core.admin import ScopedAdmin

from .accounts import (
    assignable_regions,
    grantable_roles,
    manageable_profiles,
    staff_create,
    staff_password_reset,
)
from .labels import region_label, search_words
from .models import Level, Region, StaffProfile
from .roles import ROLE_LABELS
from .services import region_check, region_save


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, with options named by the model admin's ``autocomplete_label``.

    The village picker shows 乡镇 › 村 (``regions.labels``) while ``Region.__str__`` stays the
    bare name that ledgers and messages print.
    """

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


def labelled_autocomplete_view(request):
    return LabelledAutocompleteJsonView.as_view(admin_site=admin.site)(request)


# AdminSite.get_urls wraps ``self.autocomplete_view``: every autocomplete of the site uses it.
admin.site.autocomplete_view = labelled_autocomplete_view


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
    # The township's name finds its villages (typing 吴城 in the village picker lists 吴城镇's).
    search_fields = ["code", "name", "parent__name"]
    list_select_related = ["parent"]
    readonly_fields = ["level", "parent"]
    ordering = ["code"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_words(search_term))
        # The picker's label names the parent: one joined query, not one per option.
        return results.select_related("parent"), may_have_duplicates

    def autocomplete_label(self, obj):
        return region_label(obj)

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


class StaffAccountForm(forms.Form):
    """A new staff account: the choices are the roles and regions the signed-in account may give."""

    username = forms.CharField(label=_("username"), max_length=150, widget=UnfoldAdminTextInputWidget)
    name = forms.CharField(label=_("full name"), max_length=150, required=False, widget=UnfoldAdminTextInputWidget)
    role = forms.ChoiceField(label=_("role"), widget=UnfoldAdminSelectWidget)
    region = forms.ModelChoiceField(
        label=_("assigned region"), queryset=Region.objects.none(), widget=UnfoldAdminSelectWidget
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, ROLE_LABELS[role]) for role in grantable_roles(user)]
        regions = assignable_regions(user).filter(level__lte=Level.TOWNSHIP).select_related("parent")
        self.fields["region"].queryset = regions.order_by("code")
        self.fields["region"].label_from_instance = region_label


def _shown_once(request, context):
    """The page with a one-time password: never cached, never stored anywhere but the hash."""
    response = TemplateResponse(request, "regions/staff_password.html", context)
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response


@admin.register(StaffProfile)
class StaffProfileAdmin(ScopedAdmin):
    """Staff accounts in the user's scope. A superuser or county admin adds accounts here
    (``regions.accounts``: roles below its own, regions inside its own) and resets their
    passwords; the user admin itself stays with superusers."""

    list_display = ["user", "full_name", "roles", "region", "must_change_password", "last_login"]
    search_fields = ["user__username", "user__first_name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["user", "region"]
    raw_id_fields = ["user"]
    actions_detail = ["reset_password"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("user__groups")

    @admin.display(description=_("full name"), ordering="user__first_name")
    def full_name(self, obj):
        return obj.user.first_name

    @admin.display(description=_("role"))
    def roles(self, obj):
        return "、".join(str(ROLE_LABELS.get(group.name, group.name)) for group in obj.user.groups.all())

    @admin.display(description=_("last login"), ordering="user__last_login")
    def last_login(self, obj):
        return obj.user.last_login

    # -- creating an account -----------------------------------------------------------
    def has_add_permission(self, request):
        return bool(grantable_roles(request.user))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffAccountForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                user, password = staff_create(
                    username=data["username"],
                    name=data["name"],
                    role=data["role"],
                    region=data["region"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _shown_once(
                    request,
                    {
                        **self.admin_site.each_context(request),
                        "title": gettext("Account created"),
                        "account": user,
                        "role": ROLE_LABELS[data["role"]],
                        "region": region_label(data["region"]),
                        "password": password,
                        "opts": self.opts,
                    },
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Add a staff account"),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "regions/staff_create.html", context)

    # -- resetting a password ------------------------------------------------------------
    def has_reset_password_permission(self, request, object_id=None):
        if object_id is None:
            return bool(grantable_roles(request.user))
        return manageable_profiles(request.user).filter(pk=object_id).exists()

    @action(description=_("Reset password"), url_path="reset-password", permissions=["reset_password"])
    def reset_password(self, request, object_id):
        profile = manageable_profiles(request.user).select_related("user").filter(pk=object_id).first()
        if profile is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reset the password of %(username)s") % {"username": profile.user.username},
            "account": profile.user,
            "opts": self.opts,
            "back": reverse("admin:regions_staffprofile_change", args=[profile.pk]),
        }
        if request.method != "POST":
            return TemplateResponse(request, "regions/staff_password.html", {**context, "confirm": True})
        try:
            password = staff_password_reset(profile=profile, by=request.user)
        except ValidationError as error:
            raise Http404 from error
        return _shown_once(request, {**context, "password": password, "title": gettext("Password reset")})


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
