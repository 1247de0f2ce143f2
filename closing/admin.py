from django.contrib import admin

from core.admin import ReadOnlyScopedAdmin

from .models import Correction, MonthClose


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnlyScopedAdmin):
    """Read-only: months change state through the dashboard's buttons and the commands."""

    list_display = ["region", "month", "state", "submitted_by", "submitted_at", "closed_by", "closed_at", "note"]
    list_filter = ["state", "month"]
    list_select_related = ["region", "submitted_by", "closed_by"]
    search_fields = ["region__name"]
    fields = list_display
    readonly_fields = list_display


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyScopedAdmin):
    ordering = ["-at", "-id"]  # = an index (issue 16), unique last
    list_display = ["month", "region", "record", "change", "reason", "by", "at", "shown_in"]
    list_filter = ["month", "shown_in"]
    list_select_related = ["region", "by"]
    search_fields = ["record", "reason"]
    fields = list_display
    readonly_fields = list_display
