from django import forms
from django.contrib import admin
from django.db.models import OuterRef
from django.urls import path
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action

from activities.forms import check_correction, correction_field
from children.actions import detail_form_action
from core.admin import LookupAdmin, RefusedAtSaveMixin, ScopedAdmin, ScopedAutocompleteFilter, TownshipFilter
from core.ledger_admin import LedgerImportExportMixin
from pairing.picker import MotherPickerView

from .actions import leave_programme, leaving, mother_account_page
from .filters import NoContactFilter, with_work_columns
from .models import Sector, Training, Volunteer, VolunteerTeam, row_count
from .resources import VolunteerResource
from .services import training_save
from .work_book_views import work_book_view


def _count_per_row(model, field):
    """How many ``model`` rows point at this row through ``field`` (``volunteers.models.row_count``)."""
    return row_count(model._default_manager.filter(**{field: OuterRef("pk")}))


#: The columns of her work on the mothers' list (issue 15, item 8).
WORK_COLUMNS = ["open_pairings_display", "contacts_this_year_display", "last_contact_display", "trainings_display"]


@admin.register(Sector)
class SectorAdmin(LookupAdmin):
    pass


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ScopedAdmin):
    list_display = ["name", "region", "leader", "member_count", "founded_on"]
    list_filter = [TownshipFilter, "founded_on"]
    search_fields = ["name", "leader"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=_count_per_row(Volunteer, "team"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


@admin.register(Volunteer)
class VolunteerAdmin(LedgerImportExportMixin, ScopedAdmin):
    ordering = ["region__code", "name", "-id"]  # by township, unique last (issue 16)
    resource_classes = [VolunteerResource]
    list_display = [
        "name",
        "phone",
        "sector",
        "employer",
        "team",
        "region",
        "status",
        "joined_on",
        *WORK_COLUMNS,
    ]
    list_filter = [
        TownshipFilter,
        "status",
        NoContactFilter,
        "sector",
        ("team", ScopedAutocompleteFilter),
        "joined_on",
    ]
    # Also what the mother picker (pairing.picker) searches: name, phone (a masked role only by
    # the complete number), team and township; several words narrow down ("许轩 吴城").
    search_fields = ["name", "name_pinyin", "phone", "id_number", "employer", "team__name", "region__name"]
    list_select_related = ["sector", "team", "region"]
    autocomplete_fields = ["sector", "team", "region"]
    fieldsets = [
        (None, {"fields": ["name", "gender", "phone", "id_number"]}),
        (_("Work and skills"), {"fields": ["employer", "sector", "skills"]}),
        (_("Programme"), {"fields": ["team", "region", "joined_on", "notes"]}),
        (_("Status"), {"fields": ["status", "left_on", "left_reason"]}),
    ]
    actions = [leave_programme]
    actions_detail = ["leave_detail", "grant_account"]
    actions_list = [*LedgerImportExportMixin.actions_list, "work_book"]

    def get_urls(self):
        picker = MotherPickerView.as_view(model_admin=self)
        return [
            path("picker/", self.admin_site.admin_view(picker), name="volunteers_volunteer_picker"),
            *super().get_urls(),
        ]

    @action(description=_("Yearly work ledger"), url_path="work-book", permissions=["export"], icon="download")
    def work_book(self, request):
        return work_book_view(self, request)

    @action(description=_("Leave the programme"), url_path="leave", permissions=["change"])
    def leave_detail(self, request, object_id):
        return detail_form_action(self, request, object_id, **leaving(self, request))

    def get_changelist(self, request, **kwargs):
        return with_work_columns(super().get_changelist(request, **kwargs))

    # Her work (VolunteerQuerySet.with_work), not sortable: sorted by a subquery, a page would
    # compute it for every mother in scope first (issue 16).
    @admin.display(description=_("open pairings"))
    def open_pairings_display(self, obj):
        return obj.open_pairings

    @admin.display(description=_("contacts this year"))
    def contacts_this_year_display(self, obj):
        return obj.contacts_this_year

    @admin.display(description=_("latest contact"))
    def last_contact_display(self, obj):
        return obj.last_contact or "—"

    @admin.display(description=_("trainings attended"))
    def trainings_display(self, obj):
        return obj.trainings_attended

    def has_grant_account_permission(self, request, object_id=None):
        return request.user.is_superuser or request.user.has_perm("regions.manage_staff")

    @action(description=_("Open a caring mother's account"), url_path="grant-account", permissions=["grant_account"])
    def grant_account(self, request, object_id):
        return mother_account_page(self, request, object_id)

    def get_readonly_fields(self, request, obj=None):
        # Leaving goes through the action, which also ends her pairings.
        readonly = [*super().get_readonly_fields(request, obj)]
        return [*readonly, "status", "left_on", "left_reason"] if obj is not None else readonly


class TrainingAdminForm(forms.ModelForm):
    """A training dated in a closed month (or moved out of one) asks for the correction's reason."""

    correction_reason = correction_field(
        _("Only for a training dated in a month already closed: say why it is entered or changed now.")
    )

    class Meta:
        model = Training
        fields = ["title", "topic", "held_on", "region", "place", "trainer", "hours", "attendees", "notes"]

    def clean(self):
        data = super().clean()
        check_correction(
            self,
            data,
            data.get("region"),
            data.get("held_on"),
            old_day=self.instance.held_on if self.instance.pk else None,
            old_region=self.instance.region if self.instance.pk else None,
        )
        return data


@admin.register(Training)
class TrainingAdmin(RefusedAtSaveMixin, ScopedAdmin):
    form = TrainingAdminForm
    ordering = ["-held_on", "-id"]  # = an index (issue 16), unique last
    list_display = ["title", "held_on", "topic", "region", "trainer", "attendee_count"]
    list_filter = [TownshipFilter, "held_on"]
    search_fields = ["title", "topic", "trainer"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "attendees"]
    date_hierarchy = "held_on"

    def get_queryset(self, request):
        attendees = _count_per_row(Training.attendees.through, "training")
        return super().get_queryset(request).annotate(attendee_total=attendees)

    def save_model(self, request, obj, form, change):
        # Through the service, with the ticked attendees (the form has shown any refusal already).
        training_save(
            training=obj,
            attendees=form.cleaned_data.get("attendees", None),
            correction_reason=form.cleaned_data.get("correction_reason") or "",
            by=request.user,
        )

    def save_related(self, request, form, formsets, change):
        # The attendees were set by training_save; only the inlines (none today) are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description=_("attendance"), ordering="attendee_total")
    def attendee_count(self, obj):
        return obj.attendee_total
