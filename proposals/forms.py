"""The forms of a proposal: the same checks as the direct edits they stand for.

The exit and colour forms are ``children.actions``' (the admin's), with plain widgets for the
phone; the new child's is the child's admin form limited to the fields a township knows. A
proposal stores the raw data it was given (``payload``); approving binds it to the same form
again, so a value that became wrong meanwhile (an ID number registered since) is caught then.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.actions import ColourForm, ExitForm, not_in_future
from children.forms import ChildAdminForm
from children.models import Child, ChildCategory, DifficultyType
from regions.models import Level, Region

from .models import Kind

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _plain_widgets(form):
    """Phone widgets for a form built for the admin (same fields, same checks)."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = DATE
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
            field.widget = forms.Select(choices=field.choices)
        elif isinstance(field, forms.CharField):
            field.widget = forms.TextInput(attrs={"maxlength": field.max_length} if field.max_length else {})


class ExitProposalForm(ExitForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_widgets(self)


class ColourProposalForm(ColourForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_widgets(self)


class ReenterForm(forms.Form):
    on = forms.DateField(label=_("re-entered on"), initial=timezone.localdate, widget=DATE)
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args, request=None, objects=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


class TransferForm(forms.Form):
    """The receiving village by its 12-digit code: it lies outside the proposer's area, so it
    cannot be picked from a list of what the proposer sees."""

    to_code = forms.RegexField(
        label=_("code of the receiving village"),
        regex=r"^\d{12}$",
        error_messages={"invalid": _("Enter the 12-digit code of a village.")},
    )
    on = forms.DateField(label=_("moved on"), initial=timezone.localdate, widget=DATE)
    end_pairings = forms.TypedChoiceField(
        label=_("the open pairings"),
        choices=[("end", _("end them (the mothers stay behind)")), ("keep", _("continue them"))],
        coerce=lambda value: value == "end",
    )

    def __init__(self, *args, request=None, objects=None, **kwargs):
        self.objects = objects or []
        super().__init__(*args, **kwargs)

    def clean_to_code(self):
        village = Region.objects.filter(code=self.cleaned_data["to_code"], level=Level.VILLAGE).first()
        if village is None:
            raise ValidationError(_("No village has this code."))
        if any(child.region_id == village.pk for child in self.objects):
            raise ValidationError(_("The child already lives there."))
        self.cleaned_data["to_region"] = village
        return village.code

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])

    def clean(self):
        data = super().clean()
        if "to_code" in data:
            data["to_region"] = self.cleaned_data.get("to_region")
        return data


class NewChildForm(ChildAdminForm):
    """What a township knows of a new child; the rest is added by the county later."""

    income_sources = None
    aid_received = None

    class Meta:
        model = Child
        fields = [
            "name",
            "id_number",
            "category",
            "difficulties",
            "card_colour",
            "region",
            "address",
            "school",
            "grade",
            "guardian_name",
            "guardian_relation",
            "guardian_phone",
            "entered_on",
            "notes",
        ]
        widgets = {"entered_on": DATE, "difficulties": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        villages = Region.objects.for_user(user).filter(level=Level.VILLAGE).select_related("parent")
        self.fields["region"].queryset = villages.order_by("code")
        self.fields["region"].label_from_instance = lambda r: f"{r.parent.name} › {r.name}" if r.parent_id else r.name
        self.fields["category"].queryset = ChildCategory.objects.filter(is_active=True)
        self.fields["difficulties"].queryset = DifficultyType.objects.filter(is_active=True)

    def clean_entered_on(self):
        return not_in_future(self.cleaned_data["entered_on"])


#: The form of each kind that is about an existing child (called with ``objects=[child]``).
CHILD_FORMS = {
    Kind.EXIT: ExitProposalForm,
    Kind.COLOUR: ColourProposalForm,
    Kind.REENTER: ReenterForm,
    Kind.TRANSFER: TransferForm,
}


def payload_of(form) -> dict:
    """The raw data a valid form was given, for ``Proposal.payload`` (only its own fields)."""
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[name] = form.data.getlist(name) if hasattr(form.data, "getlist") else form.data.get(name, [])
        elif name in form.data:
            data[name] = form.data.get(name)
    return data
