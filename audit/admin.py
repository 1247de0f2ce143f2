import re

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyScopedAdmin

from .models import LEDGER_NAMES, AccessEvent, LedgerEvent, LoginEvent, RecordView, ledger_name


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyScopedAdmin):
    ordering = ["-at", "-id"]  # = an index (issue 16), unique last
    list_display = ["at", "kind", "username", "ip_address", "region"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip_address"]
    list_select_related = ["region"]
    date_hierarchy = "at"


@admin.register(RecordView)
class RecordViewAdmin(ReadOnlyScopedAdmin):
    ordering = ["-at", "-id"]  # = an index (issue 16), unique last
    list_display = ["at", "user", "child", "region"]
    list_filter = ["at"]
    search_fields = ["user__username", "child__name"]
    list_select_related = ["user", "child", "region"]
    date_hierarchy = "at"


#: The keys of an import's counts and an export's filters.
COUNT_LABELS = {
    "new": _("added"),
    "updated": _("updated"),
    "conflicts": _("conflicts"),
    "skipped": _("skipped"),
    "errors": _("errors"),
    "month": _("month"),
    "region": _("region"),
    "failed": _("failed"),
    "reasons": _("reasons"),
}


def _shown(value):
    """A logged value as a person reads it: 是/否, a list one item after another."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return "；".join(str(item) for item in value) or "—"
    return value


#: Pages an access is logged on (``AccessEvent.place``), by URL name or its ending.
PAGE_NAMES = {
    "visit_entry": _("Record a visit (phone)"),
    "visit_photo": _("visit photo"),
    "admin": _("admin form"),
    "import": _("import"),
    "changelist": _("list"),
    "change": _("record page"),
    "history": _("history page"),
    "simple_history": _("history version"),
    "autocomplete": _("search box"),
}


def _page_name(url_name):
    for suffix in sorted(PAGE_NAMES, key=len, reverse=True):
        if url_name == suffix or url_name.endswith(f"_{suffix}"):
            return PAGE_NAMES[suffix]
    return url_name


def place_name(place: str) -> str:
    """``children_child_changelist:children.child`` → 儿童 · 列表; ``import:children`` → 导入 · 儿童台账."""
    from django.apps import apps

    from reports.jobs import KINDS

    if place in LEDGER_NAMES:
        return str(ledger_name(place))
    if place in KINDS:
        return str(KINDS[place].label)
    page, _sep, what = place.partition(":")
    if not what:
        return str(_page_name(page))
    if what in LEDGER_NAMES:
        what_name = ledger_name(what)
    else:
        try:
            what_name = apps.get_model(what)._meta.verbose_name
        except (LookupError, ValueError):
            what_name = what
    return f"{what_name} · {_page_name(page)}"


def detail_text(detail: str) -> str:
    version = re.fullmatch(r"version (\d+)", detail or "")
    return gettext("version %(number)s") % {"number": version[1]} if version else detail


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
    return format_html_join("；", "{}：{}", ((COUNT_LABELS.get(k, k), _shown(v)) for k, v in dict(values).items()))


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyScopedAdmin):
    ordering = ["-at", "-id"]  # = an index (issue 16), unique last
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
    ordering = ["-at", "-id"]  # = an index (issue 16), unique last
    list_display = ["at", "kind", "user", "place_display", "detail_display", "child", "region"]
    list_filter = ["kind", "at"]
    search_fields = ["user__username", "child__name", "place"]
    list_select_related = ["user", "child", "region"]
    date_hierarchy = "at"
    fields = ["at", "kind", "user", "region", "place_display", "detail_display", "child"]
    readonly_fields = fields

    @admin.display(description=_("page"), ordering="place")
    def place_display(self, obj):
        return place_name(obj.place)

    @admin.display(description=_("detail"))
    def detail_display(self, obj):
        return detail_text(obj.detail)
