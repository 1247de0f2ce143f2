"""Admin actions and the pairing form; every write goes through pairing/services.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminRadioSelectWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from children.actions import ActionForm, date_field, detail_form_action, form_action, not_in_future
from children.models import Child
from volunteers.models import Volunteer

from .models import Pairing, PairingMember
from .picker import MotherField, MothersField, mother_label, scope_fields
from .services import (
    NOTE_MAX,
    OTHER_NEEDS_NOTE,
    pairing_create,
    pairing_end,
    pairing_lead_change,
    pairing_member_add,
    pairing_member_leave,
)

#: The action pages of this app render their form's media (the picker's select2 scripts).
ACTION_TEMPLATE = "admin/pairing/action_form.html"


def _mothers(request):
    return Volunteer.objects.for_user(request.user).active().order_by("name")


def _with_media(response):
    if isinstance(response, TemplateResponse) and response.template_name == "admin/action_form.html":
        response.template_name = ACTION_TEMPLATE
    return response


class EndForm(ActionForm):
    reason = forms.ChoiceField(label=_("end reason"), choices=Pairing.EndReason.choices, widget=UnfoldAdminSelectWidget)
    note = forms.CharField(
        label=_("end reason details"),
        max_length=NOTE_MAX,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_('Required when the end reason is "other".'),
    )
    on = date_field(_("ended on"))

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])

    def clean(self):
        data = super().clean()
        data["note"] = " ".join(data.get("note", "").split())
        if data.get("reason") == Pairing.EndReason.OTHER and not data["note"]:
            self.add_error("note", OTHER_NEEDS_NOTE)
        return data


class AddMemberForm(ActionForm):
    volunteer = MotherField(label=_("caring mother"), queryset=Volunteer.objects.none())
    role = forms.ChoiceField(
        label=_("role"),
        choices=PairingMember.Role.choices,
        initial=PairingMember.Role.ASSISTING,
        widget=UnfoldAdminSelectWidget,
    )
    joined_on = date_field(_("joined on"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        scope_fields(self, request.user, _mothers(request))


class LeadForm(forms.Form):
    """Which of a pairing's current mothers leads it."""

    member = forms.ModelChoiceField(
        label=_("lead caring mother"),
        queryset=PairingMember.objects.none(),
        widget=UnfoldAdminRadioSelectWidget,
        empty_label=None,
    )

    def __init__(self, *args, pairing, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = (
            pairing.members.filter(left_on__isnull=True)
            .select_related("volunteer__region", "volunteer__team")
            .order_by("joined_on", "pk")
        )
        lead = next((m for m in field.queryset if m.role == PairingMember.Role.LEAD), None)
        field.initial = lead.pk if lead else None

        def label(member):
            text = mother_label(user, member.volunteer)
            return f"{text}（{member.get_role_display()}）" if member.role == PairingMember.Role.LEAD else text

        field.label_from_instance = label


class LeaveForm(ActionForm):
    on = date_field(_("left on"))

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


class PairForm(forms.Form):
    """Pair one unpaired child: the lead mother (主责) in a field of her own, others optional.

    一对一 / 多对一 follows from the count. The lead is what the user chose as the lead, never the
    order in which names were clicked.
    """

    child = forms.ModelChoiceField(label=_("child"), queryset=Child.objects.none(), widget=UnfoldAdminSelectWidget)
    lead = MotherField(
        label=_("lead caring mother"),
        queryset=Volunteer.objects.none(),
        help_text=_("Search by name, the last digits of the phone, team or township."),
    )
    others = MothersField(
        label=_("other caring mothers"),
        queryset=Volunteer.objects.none(),
        required=False,
        help_text=_("Optional: add mothers who assist the lead (many-to-one)."),
    )
    started_on = date_field(_("started on"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = Child.objects.for_user(request.user).unpaired().select_related("region")
        scope_fields(self, request.user, _mothers(request))

    def clean_started_on(self):
        return not_in_future(self.cleaned_data["started_on"])

    def clean(self):
        data = super().clean()
        lead, others = data.get("lead"), list(data.get("others") or [])
        if lead is not None and lead in others:
            self.add_error("others", _("%(name)s is already the lead; choose her only once.") % {"name": lead.name})
        data["mothers"] = [lead, *sorted(others, key=lambda v: v.pk)] if lead is not None else []
        return data


def ending(request):
    def apply(pairing, data):
        pairing_end(pairing=pairing, reason=data["reason"], on=data["on"], note=data["note"], by=request.user)

    return {"form_class": EndForm, "title": _("End pairing"), "apply": apply}


def member_joining(request):
    def apply(pairing, data):
        pairing_member_add(
            pairing=pairing,
            volunteer=data["volunteer"],
            joined_on=data["joined_on"],
            role=data["role"],
            by=request.user,
        )

    return {"form_class": AddMemberForm, "title": _("Add a caring mother"), "apply": apply}


@admin.action(description=_("End pairing"), permissions=["change"])
def end_pairings(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **ending(request))


@admin.action(description=_("Add a caring mother"), permissions=["change"])
def add_member(modeladmin, request, queryset):
    return _with_media(form_action(modeladmin, request, queryset, **member_joining(request)))


def add_member_detail(modeladmin, request, object_id):
    return _with_media(detail_form_action(modeladmin, request, object_id, **member_joining(request)))


def change_lead_view(modeladmin, request, object_id):
    """The pairing page's 更换主责妈妈: pick one of its current mothers (pairing_lead_change)."""
    pairing = modeladmin.get_object(request, object_id)  # through the scoped get_queryset
    if pairing is None:
        raise Http404
    title = _("Change the lead caring mother")
    if not pairing.is_open:
        modeladmin.message_user(request, gettext("This pairing has ended."), messages.ERROR)
        return redirect(reverse("admin:pairing_pairing_change", args=[pairing.pk]))
    form = LeadForm(request.POST or None, pairing=pairing, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member = pairing_lead_change(member=form.cleaned_data["member"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            modeladmin.message_user(
                request,
                gettext("%(name)s now leads the pairing of %(child)s.")
                % {"name": member.volunteer.name, "child": pairing.child},
            )
            return redirect(reverse("admin:pairing_pairing_change", args=[pairing.pk]))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": [pairing],
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


@admin.action(description=_("Leave the pairing"), permissions=["change"])
def leave_pairing(modeladmin, request, queryset):
    def apply(member, data):
        pairing_member_leave(member=member, on=data["on"], by=request.user)

    return form_action(modeladmin, request, queryset, form_class=LeaveForm, title=_("Leave the pairing"), apply=apply)


def pair_view(model_admin, request):
    """The admin page that pairs an unpaired child (also what "add pairing" opens)."""
    initial = {"child": request.GET.get("child")}
    form = PairForm(request.POST or None, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pairing = pairing_create(
                child=data["child"], volunteers=data["mothers"], started_on=data["started_on"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            model_admin.message_user(request, gettext("%(child)s is now paired.") % {"child": pairing.child})
            return redirect(reverse("admin:pairing_pairing_change", args=[pairing.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Pair a child with caring mothers"),
        "form": form,
        "opts": model_admin.model._meta,
        "objects": [],
    }
    if request.method == "POST" and form.errors:
        messages.error(request, gettext("Please correct the errors below."))
    return TemplateResponse(request, "admin/pairing/pair_form.html", context)
