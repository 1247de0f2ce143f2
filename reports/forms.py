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


class StatisticsForm(forms.Form):
    """The period and region of the period statistics page (阶段统计), read from the query string."""

    PERIODS = [
        ("this_quarter", _("This quarter")),
        ("last_quarter", _("Last quarter")),
        ("this_year", _("This year")),
        ("last_year", _("Last year")),
        ("custom", _("Dates below")),
    ]
    #: Up to this many regions in scope the region is a plain list; more, a search box.
    LIST_LIMIT = 60

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All I may see")
    )

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        regions = Region.objects.for_user(user).filter(level__lte=Level.TOWNSHIP).order_by("code")
        field = self.fields["region"]
        field.queryset = regions
        if regions[: self.LIST_LIMIT + 1].count() > self.LIST_LIMIT:
            # A city or province: a search box over the region admin's scoped search, not a list
            # of a thousand townships (the staff admin's region field is the picker's source).
            from django.contrib import admin
            from django.contrib.admin.widgets import AutocompleteSelect

            from regions.models import StaffProfile

            field.widget = AutocompleteSelect(StaffProfile._meta.get_field("region"), admin.site)
            field.queryset = Region.objects.for_user(user)

    def clean(self):
        from .statistics import EARLIEST_START, preset_range

        data = super().clean()
        period = data.get("period") or "this_quarter"
        if period == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give both dates, or choose a period."))
        else:
            start, end = preset_range(period, self.today)
        if end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        if start > self.today:
            raise forms.ValidationError(_("The period has not started yet."))
        if start < EARLIEST_START:
            raise forms.ValidationError(_("A period starts on %(day)s or later.") % {"day": EARLIEST_START.isoformat()})
        data.update(period=period, start=start, end=end)
        return data
