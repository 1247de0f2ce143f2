from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from activities.models import Visit
from core.admin import LookupAdmin, ReadOnlyInline, ScopedAdmin, TownshipFilter
from core.ledger_admin import LedgerImportExportMixin

from .models import CardChange, CardColour, Child, ChildCategory, DifficultyType, VisitPolicy
from .resources import ChildResource

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
    resource_classes = [ChildResource]
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
    ]
    list_filter = [TownshipFilter, "card_colour", "category", "difficulties", "status", "created_at"]
    search_fields = ["name", "id_number", "guardian_name", "guardian_phone"]
    list_select_related = ["category", "region", "region__parent"]
    autocomplete_fields = ["region", "category", "difficulties"]
    readonly_fields = ["gender", "birth_date", "created_at", "updated_at"]
    inlines = [CardChangeInline, LatestVisitsInline]
    fieldsets = [
        (None, {"fields": ["name", "id_number", ("gender", "birth_date")]}),
        (_("Situation"), {"fields": ["category", "difficulties", "card_colour", "notes"]}),
        (_("Where the child lives"), {"fields": ["region", "address", "school", "grade"]}),
        (_("Guardian"), {"fields": ["guardian_name", "guardian_relation", "guardian_phone"]}),
        (_("Status"), {"fields": ["status", "exit_reason", "exited_on"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    @display(description=_("card colour"), ordering="card_colour", label=COLOUR_BADGES)
    def colour_badge(self, obj):
        return obj.get_card_colour_display()

    @admin.display(description=_("age"), ordering="-birth_date")
    def age_display(self, obj):
        return obj.age

    @admin.display(description=_("township"), ordering="region__parent__name")
    def township(self, obj):
        return obj.region.parent.name if obj.region.parent_id else ""


@admin.register(CardChange)
class CardChangeAdmin(ScopedAdmin):
    list_display = ["child", "from_colour", "to_colour", "effective_on", "reason", "changed_by"]
    list_filter = ["to_colour", "effective_on"]
    search_fields = ["child__name", "child__id_number", "reason"]
    list_select_related = ["child", "changed_by"]
    date_hierarchy = "effective_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
