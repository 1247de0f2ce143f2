from django.contrib import admin, messages
from django.db.models.functions import ExtractYear
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from activities.models import Visit
from core.admin import LargeTableAdmin, LookupAdmin, ReadOnlyInline, ReadOnlyScopedAdmin, ScopedAdmin, TownshipFilter
from core.ledger_admin import LedgerImportExportMixin
from core.masking import id_number_for, phone_for
from reports import summary
from safeguarding.filters import ConsentFilter, processing_consent_given

from .actions import (
    change_card_colour,
    colour_change,
    detail_form_action,
    exit_child,
    exit_programme,
    pair_with_mothers,
)
from .family import family_warnings
from .filters import AgeLimitFilter, PairingStatusFilter, VisitStatusFilter, overdue_red_first
from .forms import ChildAdminForm
from .models import COLOUR_RANK, CardChange, CardColour, Child, ChildCategory, DifficultyType, VisitPolicy
from .resources import ChildResource
from .services import child_register

COLOUR_BADGES = {
    CardColour.RED.label: "danger",
    CardColour.YELLOW.label: "warning",
    CardColour.GREEN.label: "success",
}


@admin.register(ChildCategory)
class ChildCategoryAdmin(LookupAdmin):
    pass


@admin.register(DifficultyType)
class DifficultyTypeAdmin(LookupAdmin):
    pass


@admin.register(VisitPolicy)
class VisitPolicyAdmin(ModelAdmin):
    list_display = ["card_colour", "interval_days"]
    list_editable = ["interval_days"]
    list_display_links = None
    search_fields = ["card_colour"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CardChangeInline(ReadOnlyInline):
    model = CardChange
    fields = ["effective_on", "from_colour", "to_colour", "reason", "changed_by", "created_at"]
    readonly_fields = fields
    show_change_link = False
    per_page = 10


class LatestVisitsInline(ReadOnlyInline):
    model = Visit
    verbose_name_plural = _("latest visits")
    fields = ["visited_on", "mode", "findings", "help_given", "goods_value"]
    readonly_fields = fields
    per_page = 10


@admin.register(Child)
class ChildAdmin(LedgerImportExportMixin, ScopedAdmin):
    ordering = ["region__code", "name", "-id"]  # by township, unique last (issue 16)
    resource_classes = [ChildResource]
    form = ChildAdminForm
    #: A masked role sees the birth year where others see the age: see core.idnumber.mask_id_number.
    masked_columns = {**ScopedAdmin.masked_columns, "age_display": "birth_year_display"}
    list_display = [
        "name",
        "id_number",
        "gender",
        "age_display",
        "category",
        "colour_badge",
        "township",
        "region",
        "status",
        "next_due_display",
        "overdue_display",
        "consent_display",
    ]
    list_filter = [
        TownshipFilter,
        VisitStatusFilter,
        PairingStatusFilter,
        AgeLimitFilter,
        "card_colour",
        "category",
        "difficulties",
        "status",
        "created_at",
        ConsentFilter,
    ]
    search_fields = ["name", "name_pinyin", "id_number", "guardian_name", "guardian_phone"]
    list_select_related = ["category", "region", "region__parent"]
    autocomplete_fields = ["region", "category", "difficulties"]
    readonly_fields = ["gender", "birth_date", "family_warning", "created_at", "updated_at"]
    inlines = [CardChangeInline, LatestVisitsInline]
    actions = [change_card_colour, exit_programme, pair_with_mothers]
    actions_detail = ["change_colour_detail", "exit_detail"]
    #: Changed only through the actions above, so every change has its history and side effects.
    service_fields = ["card_colour", "status", "exit_reason", "exit_reason_text", "exited_on"]
    fieldsets = [
        (None, {"fields": ["name", "id_number", ("gender", "birth_date")]}),
        (_("Situation"), {"fields": ["category", "difficulties", "card_colour", "notes"]}),
        (_("Where the child lives"), {"fields": ["region", "address"]}),
        (
            _("Family and guardianship"),
            {
                "fields": [
                    "family_warning",
                    ("father_name", "father_id_number", "father_phone"),
                    ("father_status", "father_work_province", "father_work_city"),
                    ("mother_name", "mother_id_number", "mother_phone"),
                    ("mother_status", "mother_work_province", "mother_work_city"),
                    ("guardian_name", "guardian_relation", "guardian_phone"),
                    ("guardian_id_number", "guardian_address", "guardian_notified_on"),
                    "guardianship_type",
                    ("guardianship_rating", "guardianship_rated_on"),
                ]
            },
        ),
        (
            _("Health and schooling"),
            {
                "fields": [
                    "health_status",
                    ("disability_category", "disability_grade", "illness"),
                    ("school_stage", "boarding"),
                    ("school", "grade"),
                ]
            },
        ),
        (
            _("Household registration and aid"),
            {"fields": ["ethnicity", ("hukou_place", "hukou_type"), "income_sources", "aid_received"]},
        ),
        (_("Status"), {"fields": ["entered_on", "status", "exit_reason", "exit_reason_text", "exited_on"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("check"))
    def family_warning(self, obj):
        """事实无人抚养儿童 against the parents' statuses: a warning, never a block."""
        warnings = family_warnings(obj) if obj is not None and obj.pk else []
        return format_html_join("", '<p style="color:#b45309">⚠ {}</p>', ((w,) for w in warnings)) or "—"

    @admin.display(description=_("father's ID number"))
    def masked_father_id_number(self, obj):
        return id_number_for(None, obj.father_id_number)

    @admin.display(description=_("mother's ID number"))
    def masked_mother_id_number(self, obj):
        return id_number_for(None, obj.mother_id_number)

    @admin.display(description=_("guardian's ID number"))
    def masked_guardian_id_number(self, obj):
        return id_number_for(None, obj.guardian_id_number)

    @admin.display(description=_("father's phone"))
    def masked_father_phone(self, obj):
        return phone_for(None, obj.father_phone)

    @admin.display(description=_("mother's phone"))
    def masked_mother_phone(self, obj):
        return phone_for(None, obj.mother_phone)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_visit_schedule()
            .annotate(colour_rank=COLOUR_RANK, has_consent=processing_consent_given())
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        # A new child who looks like one registered is saved only with 确认不是同一人 ticked.
        (title, options), *rest = fieldsets
        return [(title, {**options, "fields": [*options["fields"], "not_duplicate"]}), *rest]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    @action(description=_("Change card colour"), url_path="change-colour", permissions=["change"])
    def change_colour_detail(self, request, object_id):
        return detail_form_action(self, request, object_id, **colour_change(request))

    @action(description=_("Exit the programme"), url_path="exit", permissions=["change"])
    def exit_detail(self, request, object_id):
        return detail_form_action(self, request, object_id, **exit_child(request))

    def save_model(self, request, obj, form, change):
        for warning in family_warnings(obj):
            messages.warning(request, warning)
        if change:
            super().save_model(request, obj, form, change)
            # Its category, village or dates may have changed: every stored month of its township(s).
            summary.child_changed(obj, summary.DAWN, old_region_id=form.initial.get("region"))
        else:  # through the service: the first colour is a card change like every later one
            child_register(child=obj, by=request.user)

    def get_changelist(self, request, **kwargs):
        return overdue_red_first(super().get_changelist(request, **kwargs))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj)]
        return readonly + self.service_fields if obj is not None else readonly

    @admin.display(description=_("next visit due"), ordering="next_due")
    def next_due_display(self, obj):
        return obj.next_due if obj.status == Child.Status.ACTIVE else "—"

    @display(description=_("days overdue"), ordering="days_overdue")
    def overdue_display(self, obj):
        if obj.status != Child.Status.ACTIVE or (obj.days_overdue <= 0 and obj.last_contact):
            return "—"
        return obj.days_overdue if obj.last_contact else _("never visited")

    @display(description=_("consent form"), ordering="has_consent", label={False: "danger", True: "success"})
    def consent_display(self, obj):
        """同意书: 未登记 (red) while the guardian's consent to processing is not recorded and in force."""
        return (obj.has_consent, _("recorded") if obj.has_consent else _("not recorded"))

    @display(description=_("card colour"), ordering="colour_rank", label=COLOUR_BADGES)
    def colour_badge(self, obj):
        return obj.get_card_colour_display()

    @admin.display(description=_("age"), ordering="-birth_date")
    def age_display(self, obj):
        return obj.age

    @admin.display(description=_("birth year"), ordering=ExtractYear("birth_date"))
    def birth_year_display(self, obj):
        return obj.birth_date.year

    @admin.display(description=_("township"), ordering="region__parent__name")
    def township(self, obj):
        return obj.region.parent.name if obj.region.parent_id else ""


@admin.register(CardChange)
class CardChangeAdmin(ReadOnlyScopedAdmin, LargeTableAdmin):
    """Card history is only ever added to, through the colour service."""

    ordering = ["-effective_on", "-created_at", "-id"]  # = an index (issue 16), unique last
    list_display = ["child", "from_colour", "to_colour", "effective_on", "reason", "changed_by"]
    list_filter = ["to_colour", "effective_on"]
    search_fields = ["child__name", "child__id_number", "reason"]
    list_select_related = ["child", "changed_by"]
