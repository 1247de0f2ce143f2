"""The caring mother's forms: her sign-in and the contact she records."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import VisitMode
from regions.scoping import is_mother_account

#: What she chooses from (电话 / 微信 / 见面 / 家访), each the visit mode it is stored as; 家访 is
#: the staff's 入户走访. Migration activities 0009 makes sure the modes exist.
CONTACT_MODES = [
    ("电话", _("phone call")),
    ("微信", _("WeChat")),
    ("见面", _("meeting")),
    ("入户走访", _("home visit")),
]


class MotherLoginForm(AuthenticationForm):
    """Django's sign-in for the mothers' own accounts only: staff sign in at the admin."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_mother_account(user):
            raise ValidationError(
                _("This sign-in is for caring mothers' own accounts; staff sign in at the admin."),
                code="not_a_mother",
            )


class ContactForm(forms.Form):
    visited_on = forms.DateField(
        label=_("contact date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    method = forms.ChoiceField(label=_("contact method"), widget=forms.RadioSelect)
    findings = forms.CharField(
        label=_("what was talked about"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.modes = {m.name: m for m in VisitMode.objects.filter(name__in=[n for n, _label in CONTACT_MODES])}
        self.fields["method"].choices = [(name, label) for name, label in CONTACT_MODES if name in self.modes]

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The contact date cannot be in the future."))
        return day

    def clean_method(self):
        return self.modes[self.cleaned_data["method"]]
