"""Admin actions on children; each asks for details on an intermediate form and calls a service."""

import datetime
from collections import Counter

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
    """``objects``: the rows the action is for (the selection, or the one row of a detail action)."""

    def __init__(self, *args, request=None, objects=None, **kwargs):
        self.request = request
        self.objects = objects if objects is not None else []
        super().__init__(*args, **kwargs)


class Unchanged(Exception):
    """Raised by an action's ``apply`` when the row needed no change: reported, not counted as done."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def form_action(modeladmin, request, queryset, *, form_class, title, apply):
    """Show ``form_class`` for the selected rows, then call ``apply(obj, data)`` for each.

    ``apply`` is a service call; a row it refuses (ValidationError) is reported by name and the
    other rows still go through, each in its own transaction.
    """
    form = form_class(request.POST if "apply" in request.POST else None, request=request, objects=queryset)
    if form.is_bound and form.is_valid():
        done, unchanged = 0, {}
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except Unchanged as same:
                unchanged.setdefault(str(same.message), []).append(str(obj))
            except ValidationError as error:
                modeladmin.message_user(request, f"{obj}：{'；'.join(error.messages)}", messages.ERROR)
        if done:  # only real changes are counted as done
            modeladmin.message_user(request, gettext("%(title)s: %(count)d done.") % {"title": title, "count": done})
        for message, names in unchanged.items():
            modeladmin.message_user(request, f"{message}：{'、'.join(names)}", messages.WARNING)
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
    form = form_class(request.POST or None, request=request, objects=[obj])
    if request.method == "POST" and form.is_valid():
        try:
            apply(obj, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except Unchanged as same:
            form.add_error(None, same.message)
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


#: The reasons offered for a colour change: (what is stored, what the form shows). The stored
#: reason is the preset's name, followed by the text typed if any; for 其他 the text alone.
#: 走访评估 is also what a visit's reassessment records (activities.services.REASSESSMENT_REASON).
OTHER_REASON = "其他"
COLOUR_REASONS = [
    ("走访评估", _("visit assessment")),
    ("监护变化", _("change of guardianship")),
    ("家庭经济变化", _("change in the family's finances")),
    (OTHER_REASON, _("other")),
]
#: CardChange.reason's length, less room for the preset's name and a separator.
REASON_DETAIL_LENGTH = 180


def colour_label(colour: str) -> str:
    return str(CardColour(colour).label)


class ColourForm(ActionForm):
    """The colour of the children it is for: shows their colour now, and makes the person choose
    (no default: the old default 红 was saved unread); the colour they already have is refused."""

    to_colour = forms.ChoiceField(label=_("new card colour"), widget=UnfoldAdminSelectWidget)
    effective_on = date_field(_("effective on"))
    reason_choice = forms.ChoiceField(
        label=_("reason"), choices=[("", _("choose the reason")), *COLOUR_REASONS], widget=UnfoldAdminSelectWidget
    )
    reason = forms.CharField(
        label=_("explanation"),
        max_length=REASON_DETAIL_LENGTH,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Required when the reason is “other”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = Counter(obj.card_colour for obj in self.objects)
        only = next(iter(self.current)) if len(self.current) == 1 else None
        field = self.fields["to_colour"]
        field.choices = [
            ("", _("choose the new colour")),
            *[
                (value, _("%(colour)s (now)") % {"colour": label} if value == only else label)
                for value, label in CardColour.choices
            ],
        ]
        if only is not None:
            field.help_text = _("Colour now: %(colour)s.") % {"colour": colour_label(only)}
        elif self.current:
            now = "、".join(
                _("%(colour)s %(count)d") % {"colour": colour_label(value), "count": self.current[value]}
                for value in CardColour.values
                if value in self.current
            )
            field.help_text = _("Colours now: %(colours)s.") % {"colours": now}

    def clean_to_colour(self):
        colour = self.cleaned_data["to_colour"]
        if self.current and set(self.current) == {colour}:
            raise ValidationError(
                _("Colour unchanged: the card is already %(colour)s.") % {"colour": colour_label(colour)},
                code="unchanged",
            )
        return colour

    def clean_effective_on(self):
        return not_in_future(self.cleaned_data["effective_on"])

    def clean(self):
        data = super().clean()
        preset, detail = data.get("reason_choice"), (data.get("reason") or "").strip()
        if preset == OTHER_REASON and not detail:
            self.add_error("reason", _("Say what the reason is."))
        elif preset:
            data["stored_reason"] = detail if preset == OTHER_REASON else f"{preset}：{detail}" if detail else preset
        return data


class ExitForm(ActionForm):
    reason = forms.ChoiceField(label=_("exit reason"), choices=Child.ExitReason.choices, widget=UnfoldAdminSelectWidget)
    reason_text = forms.CharField(
        label=_("explanation"),
        max_length=200,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Required when the reason is “other”."),
    )
    on = date_field(_("exited on"))

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])

    def clean(self):
        data = super().clean()
        if data.get("reason") == Child.ExitReason.OTHER and not (data.get("reason_text") or "").strip():
            self.add_error("reason_text", _("Say what the reason is."))
        return data


def colour_change(request):
    """What to do for one child once the colour form is valid."""

    def apply(child, data):
        change = child_change_colour(
            child=child,
            to_colour=data["to_colour"],
            effective_on=data["effective_on"],
            reason=data["stored_reason"],
            by=request.user,
        )
        if change is None:  # already that colour: nothing recorded, and not counted as done
            raise Unchanged(gettext("Colour unchanged"))

    return {"form_class": ColourForm, "title": _("Change card colour"), "apply": apply}


def exit_child(request):
    def apply(child, data):
        child_exit(
            child=child, reason=data["reason"], reason_text=data.get("reason_text", ""), on=data["on"], by=request.user
        )

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
