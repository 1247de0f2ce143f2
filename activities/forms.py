"""The phone visit-entry form. Every choice is limited to the user's scope, so a forged id is
an ordinary form error ("select a valid choice") and nothing is saved."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import add_need_fields
from children.models import CardColour, Child
from core.security import as_pk
from volunteers.models import Volunteer

from .models import Activity, Visit, VisitMode
from .photos import clean_photos
from .services import (
    ACTIVITY_COUNTS,
    MAX_PHOTOS_PER_VISIT,
    activity_counts,
    current_mother_ids,
    visit_find_duplicate,
)


def correction_field(help_text=None):
    return forms.CharField(
        label=_("reason for the correction"),
        max_length=200,
        required=False,
        help_text=help_text
        or _("Only for a visit dated in a month already closed: say why it is entered or changed now."),
    )


def check_correction(form, data, region, day, *, old_day=None, old_region=None) -> None:
    """A visit, activity or training dated in (or moved out of) a closed month needs a reason: a
    correction. ``old_region``: where the row was, when it moves to another township."""
    from closing.services import closed_for

    if region is None or day is None or (data.get("correction_reason") or "").strip():
        return
    closed = closed_for(region, day) or (old_day and closed_for(old_region or region, old_day))
    if closed:
        form.add_error(
            "correction_reason",
            _("%(month)s is closed for %(region)s: a change dated in it is a correction and needs a reason.")
            % {"month": f"{closed.month:%Y-%m}", "region": closed.region.name},
        )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultiplePhotoInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS_PER_VISIT:
            raise forms.ValidationError(
                _("At most %(max)d photos per visit."), code="too_many_photos", params={"max": MAX_PHOTOS_PER_VISIT}
            )
        return clean_photos([super(MultiplePhotoField, self).clean(upload, initial) for upload in files])


def mother_label(mother) -> str:
    """Name, township and team: enough to tell two mothers of the same name apart (no phone)."""
    parts = [mother.name, mother.region.name]
    if mother.team_id:
        parts.append(mother.team.name)
    return " · ".join(parts)


def mothers_for(user, child):
    """Mothers a visit to ``child`` may credit: its current mothers wherever they live (a pairing
    across townships), and the active mothers the user can see. The phone page lists the first
    and finds the others by search (``search_mothers``)."""
    scoped = Volunteer.objects.for_user(user).filter(status=Volunteer.Status.ACTIVE)
    current = Volunteer.objects.filter(pk__in=current_mother_ids(child))
    return (scoped | current).select_related("region", "team").order_by("name", "id")


def search_mothers(user, child, query: str):
    """Active mothers in the user's scope by name, team, township or phone.

    A role that sees full numbers finds a mother by the last digits of her phone (4 or more); a
    masked role only by the complete number, as everywhere (core.masking.complete_identity)."""
    from core.idnumber import normalise_text
    from core.masking import identity_search_for, sees_full_identity

    query = normalise_text(query)
    if not query:
        return Volunteer.objects.none()
    condition = (
        Q(name__icontains=query)
        | Q(name_pinyin__icontains=query)
        | Q(team__name__icontains=query)
        | Q(region__name__icontains=query)
    )
    digits = query.replace(" ", "").replace("-", "")
    number = identity_search_for(user, query)
    if number:
        condition |= Q(phone=number)
    elif digits.isdigit() and len(digits) >= 4 and sees_full_identity(user):
        condition |= Q(phone__endswith=digits)
    return (
        Volunteer.objects.for_user(user)
        .filter(status=Volunteer.Status.ACTIVE)
        .filter(condition)
        .select_related("region", "team")
        .order_by("name", "id")
    )


class VisitEntryForm(forms.Form):
    child = forms.ModelChoiceField(
        label=_("child"),
        queryset=Child.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This child is not in your area or no longer active.")},
    )
    # An <input type="date"> takes and gives ISO dates whatever the language of the page.
    visited_on = forms.DateField(
        label=_("visit date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    mode = forms.ModelChoiceField(
        label=_("visit mode"), queryset=VisitMode.objects.filter(is_active=True), empty_label=None
    )
    visitors = forms.ModelMultipleChoiceField(
        label=_("caring mothers who visited"),
        queryset=Volunteer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    staff_visitors = forms.CharField(
        label=_("staff who visited"),
        max_length=200,
        required=False,
        help_text=_("Names of federation or township staff, separated by commas."),
    )
    findings = forms.CharField(label=_("what was found"), widget=forms.Textarea(attrs={"rows": 4}))
    help_given = forms.CharField(label=_("help given"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    goods_value = forms.DecimalField(
        label=_("value of goods (yuan)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    reassessed_colour = forms.ChoiceField(
        label=_("card colour reassessment"),
        choices=[("", _("no change"))] + list(CardColour.choices),
        widget=forms.RadioSelect,
        required=False,
    )
    reassessment_reason = forms.CharField(label=_("reason for the new colour"), max_length=200, required=False)
    correction_reason = correction_field()
    photos = MultiplePhotoField(
        label=_("photos"),
        help_text=_("Up to 6 JPEG or PNG photos; location data is removed."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    # Issued with the page, stored with the visit it saves: the same form sent again (a double
    # tap, a resend after a lost connection) finds that visit instead of storing another.
    entry_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired; open the visit page again."),
            "invalid": _("This form has expired; open the visit page again."),
        },
    )

    def __init__(self, *args, user, child=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["child"].queryset = Child.objects.for_user(user).active()
        self.fields["visited_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.child = child
        if child is not None:
            self.fields["visitors"].queryset = mothers_for(user, child)
        add_need_fields(self, user, child)

    def listed_mothers(self) -> list[dict]:
        """The checkboxes the page shows: the child's current mothers first (ticked until the
        form says otherwise), then any other mother already ticked in the form sent back.
        The rest of the user's mothers are found by search, not listed (they may be hundreds)."""
        if self.child is None:
            return []
        current = current_mother_ids(self.child)
        if self.is_bound:
            ticked = {pk for pk in map(as_pk, self.data.getlist("visitors")) if pk is not None}
        else:
            ticked = {int(getattr(v, "pk", v)) for v in self.initial.get("visitors", [])}
        shown = self.fields["visitors"].queryset.filter(Q(pk__in=current) | Q(pk__in=ticked))
        rows = [
            {"pk": m.pk, "label": mother_label(m), "current": m.pk in current, "checked": m.pk in ticked} for m in shown
        ]
        return sorted(rows, key=lambda row: not row["current"])

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The visit date cannot be in the future."), code="future")
        return day

    def clean_goods_value(self):
        value = self.cleaned_data.get("goods_value")
        return 0 if value is None else value

    def clean(self):
        data = super().clean()
        child = data.get("child")
        if not data.get("visitors") and not (data.get("staff_visitors") or "").strip():
            self.add_error("visitors", _("Tick the caring mothers who visited or enter the staff who did."))
        colour = data.get("reassessed_colour")
        changes_colour = child is not None and colour and colour != child.card_colour
        if changes_colour and not (data.get("reassessment_reason") or "").strip():
            self.add_error("reassessment_reason", _("Give the reason for changing the card colour."))
        day = data.get("visited_on")
        # By year only: a day-exact check would let a masked role find the birth date by trying
        # visit dates (a masked role sees the birth year, see core.idnumber.mask_id_number).
        if child is not None and day is not None and day.year < child.birth_date.year:
            self.add_error("visited_on", _("The visit date is before the child's birth date."))
        check_correction(self, data, child.region if child else None, day)
        return data


class VisitAdminForm(forms.ModelForm):
    """The admin's visit form: a visit already recorded is a form error, before anything is saved."""

    class Meta:
        model = Visit
        fields = [
            "child",
            "visited_on",
            "mode",
            "visitors",
            "staff_visitors",
            "findings",
            "help_given",
            "goods_value",
            "reassessed_colour",
            "notes",
        ]

    correction_reason = correction_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visitors = self.fields.get("visitors")
        if visitors is not None:
            # Besides the user's own mothers: the child's current mothers wherever they live, and
            # the mothers this visit already credits (so re-saving it keeps them).
            extra = Q(pk__in=[])
            child = self._chosen_child()
            if child is not None:
                extra |= Q(pk__in=current_mother_ids(child))
            if self.instance.pk:
                extra |= Q(pk__in=self.instance.visitors.values("pk"))
            visitors.queryset = visitors.queryset | Volunteer.objects.filter(extra)

    def _chosen_child(self):
        field = self.fields.get("child")
        raw = self.data.get(self.add_prefix("child")) if self.is_bound else self.initial.get("child")
        pk = as_pk(raw) if raw else None
        if field is not None and pk is not None:
            return field.queryset.filter(pk=pk).first()
        return self.instance.child if self.instance.child_id else None

    def clean(self):
        data = super().clean()
        old_day = self.instance.visited_on if self.instance.pk else None
        old_region = self.instance.child.region if self.instance.pk else None
        child = data.get("child")
        check_correction(
            self, data, child.region if child else None, data.get("visited_on"), old_day=old_day, old_region=old_region
        )
        if all(data.get(key) is not None for key in ("child", "visited_on", "mode")):
            probe = Visit(
                pk=self.instance.pk,
                child=data["child"],
                visited_on=data["visited_on"],
                mode=data["mode"],
                staff_visitors=data.get("staff_visitors") or "",
            )
            existing = visit_find_duplicate(visit=probe, visitors=data.get("visitors") or [])
            if existing is not None:
                raise forms.ValidationError(
                    _("This visit is already recorded (%(visit)s)."), code="duplicate_visit", params={"visit": existing}
                )
        return data


#: What the admin's activity form says under each count (the rule is activities.services.activity_counts).
ACTIVITY_COUNT_HELP = {
    "children_count": _(
        "At least the children ticked above; leave empty to use their number. "
        "Enter more when children who are not registered took part."
    ),
    "volunteers_count": _(
        "At least the caring mothers ticked above; leave empty to use their number. "
        "Enter more when caring mothers who are not registered took part."
    ),
    "person_times": _("At least the children and caring mothers ticked; leave empty to add up the two counts above."),
}


class ActivityAdminForm(forms.ModelForm):
    """The admin's activity form: one dated in a closed month asks for the correction's reason;
    the attendance counts follow the ticked children and mothers (an empty count is filled)."""

    correction_reason = correction_field()

    class Meta:
        model = Activity
        fields = [
            "title",
            "activity_type",
            "held_on",
            "region",
            "place",
            "workstation",
            "course",
            "children",
            "volunteers",
            "children_count",
            "volunteers_count",
            "person_times",
            "goods_value",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, help_text in ACTIVITY_COUNT_HELP.items():
            if name not in self.fields:
                continue
            self.fields[name].required = False
            self.fields[name].help_text = help_text
            if self.instance.pk is None:  # empty, not the model's 0: filled from the ticks
                self.fields[name].initial = None
                self.initial.pop(name, None)

    def clean(self):
        data = super().clean()
        old_day = self.instance.held_on if self.instance.pk else None
        old_region = self.instance.region if self.instance.pk else None
        check_correction(self, data, data.get("region"), data.get("held_on"), old_day=old_day, old_region=old_region)
        self._clean_counts(data)
        return data

    def _clean_counts(self, data) -> None:
        if any(name in self.errors for name in (*ACTIVITY_COUNTS, "children", "volunteers")):
            return
        try:
            data.update(
                activity_counts(
                    **{name: data.get(name) for name in ACTIVITY_COUNTS},
                    ticked_children=len(data.get("children") or ()),
                    ticked_mothers=len(data.get("volunteers") or ()),
                )
            )
        except forms.ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name, messages)
