from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ledger.files import max_upload_bytes, too_large_message
from regions.models import Level, Region


class ExportJobForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("For example 2026-10."),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All I may see"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.for_user(user).filter(level__lte=Level.TOWNSHIP).order_by("code")
        )

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            first = date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("Enter a month such as 2026-10.")) from None
        return f"{first:%Y-%m}"

    def params(self):
        region = self.cleaned_data.get("region")
        return {"month": self.cleaned_data["month"], "region": region.code if region else ""}


class ImportJobForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("An .xlsx, .xls or .csv file."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():  # the reader's own limit and message
            raise forms.ValidationError(too_large_message(upload.size))
        return upload

    def params(self):
        return {}


class LedgerImportJobForm(ImportJobForm):
    """A ledger import takes the ledger's date and the overwrite choice, as the admin import does."""

    ledger_date = forms.DateField(
        label=_("Ledger date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date the ledger speaks for; when empty, the 填报日期 in its title rows."),
    )
    overwrite_newer = forms.BooleanField(
        label=_("Also overwrite the values changed in the system after the ledger's date"), required=False
    )

    def params(self):
        day = self.cleaned_data.get("ledger_date")
        return {"ledger_date": day.isoformat() if day else "", "overwrite_newer": self.cleaned_data["overwrite_newer"]}
