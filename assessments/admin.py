from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from core.admin import ReadOnlyInline, ReadOnlyScopedAdmin
from regions.models import Level
from regions.scoping import scope_covers_level

from .models import Assessment, AssessmentAnswer, AssessmentItem, AssessmentThresholds


def may_edit_checklist(user) -> bool:
    """County admins (and above) edit the checklist and thresholds: the permission, at county level."""
    return scope_covers_level(user, Level.COUNTY)


class CountyEditsMixin:
    def has_add_permission(self, request):
        return super().has_add_permission(request) and may_edit_checklist(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit_checklist(request.user)

    def has_delete_permission(self, request, obj=None):
        # An item in use by past assessments is retired (in use: no), never deleted.
        return False


@admin.register(AssessmentItem)
class AssessmentItemAdmin(CountyEditsMixin, SimpleHistoryAdmin, ModelAdmin):
    list_display = ["text", "group", "weight", "active", "order"]
    list_editable = ["weight", "active", "order"]
    list_filter = ["group", "active"]
    search_fields = ["text"]
    fields = ["group", "text", "weight", "active", "order"]


@admin.register(AssessmentThresholds)
class AssessmentThresholdsAdmin(CountyEditsMixin, SimpleHistoryAdmin, ModelAdmin):
    list_display = ["__str__", "yellow_from", "red_from"]
    fields = ["yellow_from", "red_from"]

    def has_add_permission(self, request):
        # The one row is made by the data migration (the database allows only id 1): nothing to
        # add, and no query on every admin page that lists the apps.
        return False


class AnswerInline(ReadOnlyInline):
    model = AssessmentAnswer
    fields = ["item", "checked", "weight"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyScopedAdmin):
    """Read-only: assessments are recorded on the assessment page (from the child's profile)."""

    ordering = ["-assessed_on", "-created_at", "-id"]  # = an index (issue 16), unique last
    list_display = ["child", "assessed_on", "score", "suggested_colour", "chosen_colour", "override_reason", "by"]
    list_filter = ["chosen_colour", "suggested_colour", "assessed_on"]
    list_select_related = ["child", "by"]
    search_fields = ["child__name"]
    fields = [
        "child",
        "assessed_on",
        "by",
        "visit",
        "score",
        "yellow_from",
        "red_from",
        "suggested_colour",
        "chosen_colour",
        "override_reason",
        "notes",
        "card_change",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [AnswerInline]
