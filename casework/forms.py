"""The needs part of the phone visit form: tick the open needs worked on, add a new one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Need, NeedKind


def need_label(need) -> str:
    return f"{need.get_kind_display()}：{need.description[:40]}"


def add_need_fields(form, user, child) -> None:
    """Add the fields to ``activities.forms.VisitEntryForm`` (one call in its ``__init__``)."""
    needs = Need.objects.for_user(user).open().filter(child=child) if child is not None else Need.objects.none()
    form.fields["needs"] = forms.ModelMultipleChoiceField(
        label=_("needs worked on in this visit"),
        queryset=needs,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    form.fields["needs"].label_from_instance = need_label
    form.fields["new_need_kind"] = forms.ChoiceField(
        label=_("new need found"), choices=[("", "—"), *NeedKind.choices], required=False
    )
    form.fields["new_need"] = forms.CharField(
        label=_("what the new need is"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def tick_from_form(visit, data, *, by) -> None:
    """Store what the visit form's needs fields say (called by the visit page after saving)."""
    from .services import visit_tick_needs

    new_needs = []
    if data.get("new_need_kind") and (data.get("new_need") or "").strip():
        new_needs.append({"kind": data["new_need_kind"], "description": data["new_need"].strip()})
    if data.get("needs") or new_needs:
        visit_tick_needs(visit=visit, needs=list(data.get("needs") or []), new_needs=new_needs, by=by)
