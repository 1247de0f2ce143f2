from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

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


#: The ledgers an import or export names (``LedgerEvent.ledger``), as a person calls them.
LEDGER_NAMES = {
    "children": _("children ledger"),
    "volunteers": _("caring mothers roster"),
    "pairings": _("pairing ledger"),
    "visits": _("visit records"),
    "activities": _("activity ledger"),
    "monthly": _("Monthly ledger"),
}
#: The keys of an import's counts and an export's filters.
COUNT_LABELS = {
    "new": _("added"),
    "updated": _("updated"),
    "conflicts": _("conflicts"),
    "skipped": _("skipped"),
    "errors": _("errors"),
    "month": _("month"),
    "region": _("region"),
}


def ledger_name(key):
    return LEDGER_NAMES.get(key, key)


class LedgerFilter(admin.SimpleListFilter):
    title = _("ledger")
    parameter_name = "ledger"

    def lookups(self, request, model_admin):
        return list(LEDGER_NAMES.items())

    def queryset(self, request, queryset):
        return queryset.filter(ledger=self.value()) if self.value() else queryset


def _labelled(values):
    if not values:
        return "—"
    return format_html_join("；", "{}：{}", ((COUNT_LABELS.get(k, k), v) for k, v in dict(values).items()))


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "direction", "ledger_display", "user", "rows", "filename", "region"]
    list_filter = ["direction", LedgerFilter, "at"]
    search_fields = ["user__username", "ledger", "filename"]
    list_select_related = ["user", "region"]
    date_hierarchy = "at"
    fields = [
        "at",
        "direction",
        "ledger_display",
        "user",
        "region",
        "filename",
        "rows",
        "counts_display",
        "filters_display",
    ]
    readonly_fields = fields

    @admin.display(description=_("ledger"), ordering="ledger")
    def ledger_display(self, obj):
        return ledger_name(obj.ledger)

    @admin.display(description=_("counts"))
    def counts_display(self, obj):
        return _labelled(obj.counts)

    @admin.display(description=_("filters"))
    def filters_display(self, obj):
        return _labelled(obj.filters)


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "kind", "user", "place", "detail", "child", "region"]
    list_filter = ["kind", "at"]
    search_fields = ["user__username", "child__name", "place"]
    list_select_related = ["user", "child", "region"]
    date_hierarchy = "at"
