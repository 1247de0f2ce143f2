from django.contrib import admin

from core.admin import ReadOnlyScopedAdmin

from .models import AccessEvent, LedgerEvent, LoginEvent, RecordView


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "kind", "username", "ip_address", "region"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip_address"]
    list_select_related = ["region"]
    date_hierarchy = "at"


@admin.register(RecordView)
class RecordViewAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "user", "child", "region"]
    list_filter = ["at"]
    search_fields = ["user__username", "child__name"]
    list_select_related = ["user", "child", "region"]
    date_hierarchy = "at"


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "direction", "ledger", "user", "rows", "filename", "region"]
    list_filter = ["direction", "ledger", "at"]
    search_fields = ["user__username", "ledger", "filename"]
    list_select_related = ["user", "region"]
    date_hierarchy = "at"


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "kind", "user", "place", "detail", "child", "region"]
    list_filter = ["kind", "at"]
    search_fields = ["user__username", "child__name", "place"]
    list_select_related = ["user", "child", "region"]
    date_hierarchy = "at"
