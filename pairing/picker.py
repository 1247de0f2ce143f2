"""The caring-mother picker: a search box instead of a list of hundreds of names.

unfold's autocomplete fields (select2 over AJAX) ask ``admin:volunteers_volunteer_picker``,
which answers from the volunteer admin's own scoped queryset and search (``for_user``, the
masked-number rules, the search log) — a mother outside the user's region is neither listed
nor found. Each option reads 姓名 · 乡镇 · 服务队 · 电话, the phone as far as the role may see
it (尾号 for a role that sees full numbers, ``138********`` otherwise), so two mothers of the
same name can be told apart.
"""

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import get_select2_language
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext
from unfold.fields import UnfoldAdminAutocompleteModelChoiceField, UnfoldAdminMultipleAutocompleteModelChoiceField
from unfold.views import BaseAutocompleteView
from unfold.widgets import (
    UnfoldAdminAutocompleteModelChoiceFieldWidget,
    UnfoldAdminMultipleAutocompleteModelChoiceFieldWidget,
)

from core.masking import phone_for, sees_full_identity
from core.security import as_pk
from volunteers.models import Volunteer

PICKER_URL = "admin:volunteers_volunteer_picker"
#: Digits of the phone a role with full numbers sees in an option: enough to tell two apart.
TAIL = 4


def phone_hint(user, phone: str) -> str:
    if not phone:
        return ""
    if sees_full_identity(user):
        return gettext("phone ending %(tail)s") % {"tail": phone[-TAIL:]}
    return phone_for(user, phone)


def mother_label(user, volunteer: Volunteer) -> str:
    """姓名 · 乡镇 · 服务队 · 尾号1234 (needs ``region`` and ``team`` selected)."""
    parts = [
        volunteer.name,
        volunteer.region.name if volunteer.region_id else "",
        volunteer.team.name if volunteer.team_id else "",
        phone_hint(user, volunteer.phone),
    ]
    return " · ".join(p for p in parts if p)


class _ChosenOnly:
    """Render only the chosen mothers as <option>s, in one query (the rest come by search).

    unfold's widgets keep Django's Select rendering, which would read and label every mother
    in the queryset only to print the selected ones. Like Django's own autocomplete widget,
    select2's messages (搜索中…, 未找到结果) come in the page's language.
    """

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        if get_select2_language():
            attrs["lang"] = get_select2_language()
        return attrs

    @property
    def media(self):
        extra = "" if settings.DEBUG else ".min"
        language = get_select2_language()
        i18n = (f"admin/js/vendor/select2/i18n/{language}.js",) if language else ()
        return forms.Media(
            js=(
                f"admin/js/vendor/jquery/jquery{extra}.js",
                "admin/js/vendor/select2/select2.full.js",
                *i18n,  # registers with the global jQuery, before jquery.init.js hides it
                "admin/js/jquery.init.js",
                "unfold/js/select2.init.js",
            ),
            css={"screen": ("admin/css/vendor/select2/select2.css", "admin/css/autocomplete.css")},
        )

    def optgroups(self, name, value, attrs=None):
        chosen = [str(pk) for pk in map(as_pk, value) if pk is not None]
        field = self.choices.field
        options = []
        if chosen:
            rows = {str(obj.pk): obj for obj in self.choices.queryset.filter(pk__in=chosen)}
            for index, pk in enumerate(pk for pk in chosen if pk in rows):
                options.append(self.create_option(name, pk, field.label_from_instance(rows[pk]), True, index))
        return [(None, options, 0)]


class MotherWidget(_ChosenOnly, UnfoldAdminAutocompleteModelChoiceFieldWidget):
    pass


class MothersWidget(_ChosenOnly, UnfoldAdminMultipleAutocompleteModelChoiceFieldWidget):
    pass


class _MotherLabels:
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        kwargs.setdefault("url_path", PICKER_URL)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return mother_label(self.user, obj)


class MotherField(_MotherLabels, UnfoldAdminAutocompleteModelChoiceField):
    widget = MotherWidget


class MothersField(_MotherLabels, UnfoldAdminMultipleAutocompleteModelChoiceField):
    widget = MothersWidget


def scope_fields(form, user, queryset):
    """Give a form's mother fields the user's queryset (with what the labels read) and user."""
    queryset = queryset.select_related("region", "team")
    for field in form.fields.values():
        if isinstance(field, _MotherLabels):
            field.queryset, field.user = queryset, user


class MotherPickerView(BaseAutocompleteView):
    """JSON for the picker: active mothers in the user's scope matching ``term``, 20 a page."""

    model = Volunteer
    model_admin = None  # the registered VolunteerAdmin, given by its get_urls

    def dispatch(self, request, *args, **kwargs):
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        request = self.request
        queryset = self.model_admin.get_queryset(request).active().select_related("region", "team")
        term = request.GET.get("term", "").strip()[:100]
        if term:
            queryset, _duplicates = self.model_admin.get_search_results(request, queryset, term)
        return queryset.order_by("name", "region__code", "pk")

    def get(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        context = self.get_context_data()
        return JsonResponse(
            {
                "results": [
                    {"id": str(obj.pk), "text": mother_label(request.user, obj)} for obj in context["object_list"]
                ],
                "pagination": {"more": context["page_obj"].has_next()},
            }
        )
