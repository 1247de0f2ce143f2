from django import forms
from django.utils.translation import gettext_lazy as _

from core.ledger.files import max_upload_bytes, too_large_message

from .reconcile import SOURCES


class ReconcileForm(forms.Form):
    file = forms.FileField(
        label=_("Their list"),
        help_text=_(
            "An .xlsx, .xls or .csv file with at least the columns 姓名 and 身份证号码 "
            "(optionally 类别 and 村（社区））. Nothing is written to the system."
        ),
    )
    source = forms.ChoiceField(label=_("Source of the list"), choices=list(SOURCES.items()))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before it is read into memory; read_grid checks the same limit again.
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        return upload
