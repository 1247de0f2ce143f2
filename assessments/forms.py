from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.models import CardColour

from .models import ItemGroup


class AssessmentForm(forms.Form):
    """One checkbox per active checklist item (``item_<id>``), grouped; then the decision."""

    assessed_on = forms.DateField(
        label=_("assessed on"),
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    visit = forms.TypedChoiceField(label=_("visit"), required=False, coerce=int, empty_value=None)
    chosen_colour = forms.ChoiceField(
        label=_("chosen colour"),
        required=False,
        choices=[("", _("as suggested"))] + list(CardColour.choices),
        help_text=_("Leave as suggested to confirm; another colour needs a reason."),
    )
    override_reason = forms.CharField(label=_("reason for overriding"), max_length=200, required=False)
    correction_reason = forms.CharField(
        label=_("correction reason"),
        max_length=200,
        required=False,
        help_text=_("Only for a date in a closed month."),
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["assessed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["visit"].choices = [("", _("not on a visit"))] + [
            (v.pk, f"{v.visited_on:%Y-%m-%d} {v.mode}") for v in visits
        ]
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.BooleanField(label=f"{item.text}（{item.weight}）", required=False)

    def checked_ids(self):
        return {item.pk for item in self.items if self.cleaned_data.get(f"item_{item.pk}")}

    def grouped(self):
        """(group label, [bound fields]) in the checklist's order."""
        groups = {value: (label, []) for value, label in ItemGroup.choices}
        for item in self.items:
            groups[item.group][1].append(self[f"item_{item.pk}"])
        return [g for g in groups.values() if g[1]]
