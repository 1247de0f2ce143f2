"""The child's admin form: a taken ID number is named only inside the user's own scope."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.idnumber import parse_id_number
from core.masking import refuse_registration

from .family import Aid, IncomeSource
from .models import Child


class ChoiceListField(forms.TypedMultipleChoiceField):
    """A JSON list of choices (income sources, aid) as ticks."""

    def __init__(self, *, choices, **kwargs):
        kwargs.pop("encoder", None), kwargs.pop("decoder", None), kwargs.pop("max_length", None)
        super().__init__(choices=choices, required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def prepare_value(self, value):
        return value or []


class ChildAdminForm(forms.ModelForm):
    #: Set by ChildAdmin.get_form: the account whose scope decides what a clash may say.
    user = None

    income_sources = ChoiceListField(
        choices=IncomeSource.choices, label=Child._meta.get_field("income_sources").verbose_name
    )
    aid_received = ChoiceListField(choices=Aid.choices, label=Child._meta.get_field("aid_received").verbose_name)

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"]
        try:
            number = parse_id_number(raw).number
        except ValidationError:
            return raw  # the model's validator words the problem
        taken = Child.objects.filter(id_number=number).exclude(pk=self.instance.pk)
        if not taken.exists():
            return number
        mine = Child.objects.for_user(self.user).filter(id_number=number).exclude(pk=self.instance.pk).first()
        if mine is not None:
            url = reverse("admin:children_child_change", args=[mine.pk])
            raise ValidationError(
                format_html(_('This child is already registered: <a href="{}">{}</a>.'), url, mine.name),
                code="registered",
            )
        raise ValidationError(refuse_registration(user=self.user, number=number, place="admin:children.child"))

    def validate_unique(self):
        # The ID number's uniqueness is clean_id_number's: Django's own message ("具有 身份证号码
        # 的 儿童 已存在") would confirm a child registered anywhere in the province.
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions() | {"id_number"})
        except ValidationError as exc:
            self._update_errors(exc)
