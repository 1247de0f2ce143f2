"""Admin actions and the pairing form; every write goes through pairing/services.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectMultipleWidget, UnfoldAdminSelectWidget

from children.actions import ActionForm, date_field, form_action, not_in_future
from children.models import Child
from volunteers.models import Volunteer

from .models import Pairing, PairingMember
from .services import pairing_create, pairing_end, pairing_member_add, pairing_member_leave


def _mothers(request):
    return Volunteer.objects.for_user(request.user).active().order_by("name")


class EndForm(ActionForm):
    reason = forms.ChoiceField(label=_("end reason"), choices=Pairing.EndReason.choices, widget=UnfoldAdminSelectWidget)
    on = date_field(_("ended on"))

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


class AddMemberForm(ActionForm):
    volunteer = forms.ModelChoiceField(
        label=_("caring mother"), queryset=Volunteer.objects.none(), widget=UnfoldAdminSelectWidget
    )
    role = forms.ChoiceField(
        label=_("role"),
        choices=PairingMember.Role.choices,
        initial=PairingMember.Role.ASSISTING,
        widget=UnfoldAdminSelectWidget,
    )
    joined_on = date_field(_("joined on"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.fields["volunteer"].queryset = _mothers(request)


class LeaveForm(ActionForm):
    on = date_field(_("left on"))

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


class PairForm(forms.Form):
    """Pair one unpaired child with one or more mothers; 一对一 / 多对一 follows from the count."""

    child = forms.ModelChoiceField(label=_("child"), queryset=Child.objects.none(), widget=UnfoldAdminSelectWidget)
    volunteers = forms.ModelMultipleChoiceField(
        label=_("caring mothers"),
        queryset=Volunteer.objects.none(),
        widget=UnfoldAdminSelectMultipleWidget,
        help_text=_("The first one chosen leads; choose several for many-to-one."),
    )
    started_on = date_field(_("started on"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = Child.objects.for_user(request.user).unpaired().select_related("region")
        self.fields["volunteers"].queryset = _mothers(request)

    def clean_started_on(self):
        return not_in_future(self.cleaned_data["started_on"])


def ending(request):
    def apply(pairing, data):
        pairing_end(pairing=pairing, reason=data["reason"], on=data["on"], by=request.user)

    return {"form_class": EndForm, "title": _("End pairing"), "apply": apply}


def member_joining(request):
    def apply(pairing, data):
        pairing_member_add(pairing=pairing, volunteer=data["volunteer"], joined_on=data["joined_on"], role=data["role"])

    return {"form_class": AddMemberForm, "title": _("Add a caring mother"), "apply": apply}


@admin.action(description=_("End pairing"), permissions=["change"])
def end_pairings(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **ending(request))


@admin.action(description=_("Add a caring mother"), permissions=["change"])
def add_member(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **member_joining(request))


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
        # Keep the order the mothers were chosen in, so the first chosen leads.
        chosen = {str(v.pk): v for v in data["volunteers"]}
        ordered = [chosen[pk] for pk in request.POST.getlist("volunteers") if pk in chosen]
        try:
            pairing = pairing_create(
                child=data["child"], volunteers=ordered, started_on=data["started_on"], by=request.user
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
