"""The child's admin form: a taken ID number is named only inside the user's own scope."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.idnumber import parse_id_number
from core.masking import refuse_registration

from .duplicates import Candidate, DuplicateFinder
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
    #: Shown on the add form only (ChildAdmin.get_fieldsets): ticked to save a child who looks
    #: like one already registered (children.duplicates).
    not_duplicate = forms.BooleanField(label=_lazy("Confirm this is not the same child"), required=False)

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not self.has_error("id_number") and not self.has_error("name"):
            self.check_duplicates(data)
        return data

    def check_duplicates(self, data) -> None:
        """A new child with the name and birth date (or guardian's phone) of one in the user's
        scope is shown those children, and saved only once the user ticks not_duplicate."""
        try:
            born = parse_id_number(data.get("id_number") or "").birth_date
        except ValidationError:
            born = None
        candidate = Candidate(
            name=data.get("name") or "", birth_date=born, guardian_phone=data.get("guardian_phone") or ""
        )
        finder = DuplicateFinder(self.user, [candidate.name])
        found = finder.matches(candidate)
        if not found or data.get("not_duplicate"):
            return
        links = format_html_join(
            "、",
            '<a href="{}" target="_blank">{}</a>',
            ((reverse("admin:children_child_change", args=[c.pk]), finder.describe(c)) for c in found),
        )
        self.add_error(
            "not_duplicate",
            ValidationError(
                format_html(
                    _("This child may be registered already ({reason}): {links}. If not, tick the box and save again."),
                    reason=finder.reason(),
                    links=links,
                ),
                code="probable_duplicate",
            ),
        )

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
