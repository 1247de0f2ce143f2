"""The county's list of proposals: approve, or return with a reason (through proposals.services)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action
from unfold.widgets import UnfoldAdminTextareaWidget

from children.actions import ActionForm, detail_form_action, form_action
from core.admin import ReadOnlyScopedAdmin, TownshipFilter

from .models import Proposal
from .services import may_decide, payload_rows, proposal_approve, proposal_return


class ApproveForm(ActionForm):
    """Nothing to fill in: the confirmation page names the proposals."""


class ReturnForm(ActionForm):
    reason = forms.CharField(
        label=_("reason for return"), max_length=1000, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3})
    )


def _refused(exc):
    raise ValidationError(gettext("You may not decide on this proposal.")) from exc


def approving(request):
    def apply(proposal, data):
        try:
            proposal_approve(proposal=proposal, by=request.user)
        except PermissionDenied as exc:
            _refused(exc)

    return {"form_class": ApproveForm, "title": _("Approve"), "apply": apply}


def returning(request):
    def apply(proposal, data):
        try:
            proposal_return(proposal=proposal, by=request.user, reason=data["reason"])
        except PermissionDenied as exc:
            _refused(exc)

    return {"form_class": ReturnForm, "title": _("Return with a reason"), "apply": apply}


@admin.action(description=_("Approve the selected proposals"), permissions=["approve"])
def approve_selected(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **approving(request))


@admin.action(description=_("Return the selected proposals with a reason"), permissions=["approve"])
def return_selected(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **returning(request))


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyScopedAdmin):
    ordering = ["-created_at", "-id"]
    list_display = ["created_at", "kind", "summary", "region", "to_region", "proposer", "state", "decided_by"]
    list_filter = ["state", "kind", TownshipFilter, "created_at"]
    search_fields = ["summary", "child__name"]
    list_select_related = ["region", "to_region", "proposer", "decided_by"]
    actions = [approve_selected, return_selected]
    actions_detail = ["approve_detail", "return_detail"]
    fields = [
        "kind",
        "state",
        "summary",
        "child",
        "region",
        "to_region",
        "proposed_values",
        "proposer",
        "created_at",
        "decided_by",
        "decided_at",
        "return_reason",
    ]
    readonly_fields = fields

    @action(description=_("Approve"), url_path="approve", permissions=["approve"])
    def approve_detail(self, request, object_id):
        return detail_form_action(self, request, object_id, **approving(request))

    @action(description=_("Return with a reason"), url_path="return", permissions=["approve"])
    def return_detail(self, request, object_id):
        return detail_form_action(self, request, object_id, **returning(request))

    def has_approve_permission(self, request, obj=None):
        if obj is not None and not isinstance(obj, Proposal):
            obj = None
        if obj is not None:
            return may_decide(request.user, obj)
        return request.user.has_perm("proposals.approve_proposal")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("child")

    @admin.display(description=_("proposed values"))
    def proposed_values(self, obj):
        rows = payload_rows(obj, user=self._user)
        return format_html_join("", "<div>{}：{}</div>", rows) or "—"

    def get_readonly_fields(self, request, obj=None):
        self._user = request.user  # proposed_values masks ID and phone numbers for this account
        return super().get_readonly_fields(request, obj)
