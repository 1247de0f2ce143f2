from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.text import smart_split
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action

from children.actions import detail_form_action
from children.models import Child
from core.admin import ArchivedFilter, ReadOnlyInline, ScopedAdmin, TownshipFilter
from core.ledger_admin import LedgerImportExportMixin
from core.permissions import PAIRING_CARD, may_export
from core.search import word_condition
from volunteers.models import Volunteer

from .actions import add_member, add_member_detail, change_lead_view, end_pairings, ending, leave_pairing, pair_view
from .models import Pairing, PairingMember
from .resources import PairingResource


class PairingMemberInline(ReadOnlyInline):
    """Members are history: they join and leave through the actions, never by editing rows."""

    model = PairingMember
    fields = ["volunteer", "role", "joined_on", "left_on"]
    readonly_fields = fields
    show_change_link = False


class PairingStateFilter(ArchivedFilter):
    """Open pairings by default; ended ones on request — or when a filter only ended ones have
    (an end reason, an end date) is chosen, which with the default would show nothing."""

    title = _("open or ended")

    #: Filters that only ended pairings can match.
    ENDED_ONLY = ("end_reason", "ended_on")

    #: The filter this one replaced (?open=yes / ?open=no, as in bench/cases.py), still understood.
    LEGACY = {"yes": None, "no": "only"}

    def __init__(self, request, params, model, model_admin):
        legacy = params.pop("open", None)
        super().__init__(request, params, model, model_admin)
        if self.value() is None and legacy and legacy[-1] in self.LEGACY:
            if self.LEGACY[legacy[-1]]:
                self.used_parameters[self.parameter_name] = self.LEGACY[legacy[-1]]
        elif self.value() is None and any(key.startswith(self.ENDED_ONLY) for key in request.GET):
            self.used_parameters[self.parameter_name] = "include"

    def lookups(self, request, model_admin):
        return [("include", _("open and ended")), ("only", _("ended"))]

    def choices(self, changelist):
        choices = super().choices(changelist)
        yield {**next(choices), "display": _("open")}
        yield from choices


@admin.register(Pairing)
class PairingAdmin(LedgerImportExportMixin, ScopedAdmin):
    ordering = ["-started_on", "-id"]  # = an index (issue 16), unique last
    resource_classes = [PairingResource]
    list_display = ["child", "township", "member_names", "mode_display", "started_on", "ended_on", "end_reason_display"]
    list_filter = [TownshipFilter, "end_reason", "started_on"]
    search_fields = ["child__name", "child__id_number", "members__volunteer__name"]
    list_select_related = ["child", "child__region", "child__region__parent"]
    autocomplete_fields = ["child"]
    inlines = [PairingMemberInline]
    actions = [end_pairings, add_member]
    actions_detail = ["end_detail", "add_member_detail", "change_lead_detail", "card_detail"]
    readonly_fields = ["child", "started_on", "ended_on", "end_reason", "end_note"]

    @action(description=_("End pairing"), url_path="end", permissions=["change"])
    def end_detail(self, request, object_id):
        return detail_form_action(self, request, object_id, **ending(request))

    @action(description=_("Add a caring mother"), url_path="add-member", permissions=["change"])
    def add_member_detail(self, request, object_id):
        return add_member_detail(self, request, object_id)

    @action(description=_("Change the lead caring mother"), url_path="change-lead", permissions=["change"])
    def change_lead_detail(self, request, object_id):
        return change_lead_view(self, request, object_id)

    @action(description=_("Print the pairing card (PDF)"), url_path="card", permissions=["card"])
    def card_detail(self, request, object_id):
        # The card's own view checks the pairing against the user's scope (reports.dossier_views).
        if not (str(object_id).isascii() and str(object_id).isdigit()):
            raise Http404
        return redirect("reports:pairing_card_pdf", pk=object_id)

    def has_card_permission(self, request, object_id=None):
        return bool(may_export(request.user, PAIRING_CARD))

    def get_list_filter(self, request):
        return [PairingStateFilter if f is ArchivedFilter else f for f in super().get_list_filter(request)]

    def get_urls(self):
        pair = self.admin_site.admin_view(self._pair_view)
        return [path("pair/", pair, name="pairing_pairing_pair"), *super().get_urls()]

    def _pair_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return pair_view(self, request)

    def add_view(self, request, form_url="", extra_context=None):
        # Adding a pairing is pairing a child: one form, one service (limits, history).
        return self._pair_view(request)

    #: As VisitAdmin.FEW_MATCHES: a word naming few children and mothers is searched from them
    #: (their pairings by the child and member indexes); a commoner one along pairing_latest.
    #: A rare name at province scale: 1.2 s along the index, ~0.2 s this way (issue 16).
    FEW_MATCHES = 200

    def _search(self, request, queryset, search_term):
        words = list(smart_split(search_term or ""))
        fields = self.get_search_fields(request)
        if len(words) != 1 or words[0][:1] in "\"'" or not {"child__name", "members__volunteer__name"} <= set(fields):
            return super()._search(request, queryset, search_term)
        word, few = words[0], self.FEW_MATCHES
        named = [word_condition(Child, "name", word)]
        if "child__id_number" in fields:  # complete-identity roles only (get_search_fields)
            named.append(word_condition(Child, "id_number", word))  # None for a short word
        children = Child.objects.for_user(request.user).filter(Q.create([q for q in named if q], connector=Q.OR))
        children = children.order_by()
        mothers = Volunteer._base_manager.filter(word_condition(Volunteer, "name", word)).order_by()
        children = list(children.values_list("pk", flat=True)[: few + 1])
        mothers = list(mothers.values_list("pk", flat=True)[: few + 1])
        if len(children) > few or len(mothers) > few:
            return super()._search(request, queryset, search_term)
        parts = [Pairing._base_manager.filter(child_id__in=children).values("pk")] if children else []
        if mothers:
            parts.append(PairingMember._base_manager.filter(volunteer_id__in=mothers).values("pairing_id"))
        if not parts:
            return queryset.none(), False
        parts = [part.order_by() for part in parts]  # SQLite allows no ORDER BY inside a UNION
        matched = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return queryset.filter(pk__in=matched), False

    def get_queryset(self, request):
        # The current members are fetched for the page's rows only (one query, by pairing id);
        # their number gives the mode. A Count("members") annotation here grouped every pairing
        # in scope before the LIMIT: 1.9-4 s for a province (issue 16).
        current = PairingMember.objects.filter(left_on__isnull=True).select_related("volunteer").order_by("-role", "pk")
        return super().get_queryset(request).prefetch_related(Prefetch("members", queryset=current, to_attr="current"))

    @admin.display(description=_("township"), ordering="child__region__parent__name")
    def township(self, obj):
        return obj.child.region.parent.name if obj.child.region.parent_id else ""

    @admin.display(description=_("caring mothers"))
    def member_names(self, obj):
        # The lead first, marked; "-role" puts "lead" before "assisting".
        return "、".join(
            gettext("%(name)s (lead)") % {"name": m.volunteer.name}
            if m.role == PairingMember.Role.LEAD
            else m.volunteer.name
            for m in obj.current
        )

    @admin.display(description=_("end reason"), ordering="end_reason")
    def end_reason_display(self, obj):
        return obj.end_reason_text

    # Not sortable: sorting by the number of members would count them for every pairing in scope.
    @admin.display(description=_("mode"))
    def mode_display(self, obj):
        mode = Pairing.Mode.MANY_TO_ONE if len(obj.current) > 1 else Pairing.Mode.ONE_TO_ONE
        return mode.label


@admin.register(PairingMember)
class PairingMemberAdmin(ScopedAdmin):
    ordering = ["pairing", "-role", "joined_on", "-id"]  # = an index (issue 16), unique last
    list_display = ["volunteer", "pairing", "role", "joined_on", "left_on"]
    list_filter = ["role", "joined_on", "left_on"]
    search_fields = ["volunteer__name", "volunteer__phone", "pairing__child__name"]
    list_select_related = ["volunteer", "pairing", "pairing__child"]
    autocomplete_fields = ["pairing", "volunteer"]
    actions = [leave_pairing]
    readonly_fields = ["pairing", "volunteer", "role", "joined_on", "left_on"]

    def has_add_permission(self, request):
        return False
