"""Admin actions on children; each asks for details on an intermediate form and calls a service."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminSingleDateWidget, UnfoldAdminTextInputWidget

from .models import CardColour, Child
from .services import child_change_colour, child_exit


def date_field(label):
    return forms.DateField(label=label, initial=timezone.localdate, widget=UnfoldAdminSingleDateWidget)


def not_in_future(value: datetime.date) -> datetime.date:
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    return value


class ActionForm(forms.Form):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)


def form_action(modeladmin, request, queryset, *, form_class, title, apply):
    """Show ``form_class`` for the selected rows, then call ``apply(obj, data)`` for each.

    ``apply`` is a service call; a row it refuses (ValidationError) is reported by name and the
    other rows still go through, each in its own transaction.
    """
    form = form_class(request.POST if "apply" in request.POST else None, request=request)
    if form.is_bound and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except ValidationError as error:
                modeladmin.message_user(request, f"{obj}：{'；'.join(error.messages)}", messages.ERROR)
        if done:
            modeladmin.message_user(request, gettext("%(title)s: %(count)d done.") % {"title": title, "count": done})
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": queryset,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def detail_form_action(modeladmin, request, object_id, *, form_class, title, apply):
    """The same form and service for one row, from its change page (unfold ``actions_detail``)."""
    obj = modeladmin.get_object(request, object_id)  # through the scoped get_queryset
    if obj is None:
        raise Http404
    form = form_class(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            apply(obj, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            modeladmin.message_user(request, gettext("%(title)s: %(count)d done.") % {"title": title, "count": 1})
            opts = modeladmin.model._meta
            return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": [obj],
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


class ColourForm(ActionForm):
    to_colour = forms.ChoiceField(
        label=_("new card colour"), choices=CardColour.choices, widget=UnfoldAdminSelectWidget
    )
    effective_on = date_field(_("effective on"))
    reason = forms.CharField(label=_("reason"), max_length=200, widget=UnfoldAdminTextInputWidget)

    def clean_effective_on(self):
        return not_in_future(self.cleaned_data["effective_on"])


class ExitForm(ActionForm):
    reason = forms.ChoiceField(label=_("exit reason"), choices=Child.ExitReason.choices, widget=UnfoldAdminSelectWidget)
    on = date_field(_("exited on"))


def colour_change(request):
    """What to do for one child once the colour form is valid."""

    def apply(child, data):
        child_change_colour(
            child=child,
            to_colour=data["to_colour"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            by=request.user,
        )

    return {"form_class": ColourForm, "title": _("Change card colour"), "apply": apply}


def exit_child(request):
    def apply(child, data):
        child_exit(child=child, reason=data["reason"], on=data["on"], by=request.user)

    return {"form_class": ExitForm, "title": _("Exit the programme"), "apply": apply}


@admin.action(description=_("Change card colour"), permissions=["change"])
def change_card_colour(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **colour_change(request))


@admin.action(description=_("Exit the programme"), permissions=["change"])
def exit_programme(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **exit_child(request))


@admin.action(description=_("Pair with caring mothers"), permissions=["change"])
def pair_with_mothers(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, gettext("Choose exactly one child to pair."), messages.WARNING)
        return None
    return redirect(f"{reverse('admin:pairing_pairing_pair')}?child={queryset.get().pk}")
