from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import RefusedAtSaveMixin, ScopedAdmin
from core.signals import access_logged

from .models import Consent, MandatoryReport, ReportKind, ReportStatus, receives_reports
from .scans import clean_scan
from .services import alerts_mark_read, consent_save, report_close, report_file, report_update


class MandatoryReportForm(forms.ModelForm):
    close_outcome = forms.CharField(
        label=_("close with outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("County admins: fill in the outcome to close the report."),
    )

    class Meta:
        model = MandatoryReport
        fields = ["child", "kind", "observed", "observed_at", "police_reported_on", "police_unit", "police_receipt"]

    def clean(self):
        data = super().clean()
        outcome = (data.get("close_outcome") or "").strip()
        if outcome:
            if not (self.user.has_perm("safeguarding.close_mandatoryreport") and receives_reports(self.user)):
                raise ValidationError(_("Only a county admin may close a mandatory report."))
            if data.get("kind") == ReportKind.HARMED and not (
                data.get("police_reported_on") and data.get("police_unit")
            ):
                raise ValidationError(
                    _("Suspected harm must be reported to the police (date and unit) before the report is closed.")
                )
        return data


@admin.register(MandatoryReport)
class MandatoryReportAdmin(ScopedAdmin):
    """强制报告: the rows come from ``MandatoryReport.objects.for_user`` — county admins and the reporter."""

    ordering = ["-reported_at", "-id"]  # = an index (issue 16), unique last
    form = MandatoryReportForm
    list_display = ["child", "kind", "observed_at", "police_reported_on", "reported_by", "reported_at", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["child", "reported_by"]
    search_fields = ["child__name", "observed", "police_unit"]
    autocomplete_fields = ["child"]
    readonly_fields = ["reported_by", "reported_at", "status", "outcome", "closed_at", "closed_by"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["child", "kind", "observed", "observed_at"]}),
            (_("Report to the police"), {"fields": ["police_reported_on", "police_unit", "police_receipt"]}),
        ]
        if obj is not None:
            fieldsets.append(
                (_("Status"), {"fields": ["status", "outcome", "closed_at", "closed_by", "reported_by", "reported_at"]})
            )
            if obj.status == ReportStatus.OPEN and receives_reports(request.user):
                fieldsets.append((_("Close"), {"fields": ["close_outcome"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("child")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == ReportStatus.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.Meta.fields if name in data and name != "child"}
            report_update(report=obj, by=request.user, **fields)
        else:
            saved = report_file(
                child=obj.child,
                kind=obj.kind,
                observed=obj.observed,
                observed_at=obj.observed_at,
                police_reported_on=obj.police_reported_on,
                police_unit=obj.police_unit,
                police_receipt=obj.police_receipt,
                by=request.user,
            )
            obj.pk, obj._state = saved.pk, saved._state
        if (data.get("close_outcome") or "").strip():
            report_close(report=obj, outcome=data["close_outcome"], by=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and request.method == "GET":
            report = self.get_object(request, object_id)
            if report is not None:
                # Who opened which report, when: the access log, as for a child's history page.
                access_logged.send(
                    sender=type(self),
                    user=request.user,
                    kind="report",
                    place="change:safeguarding.mandatoryreport",
                    detail=f"#{report.pk}",
                    child=report.child,
                )
                alerts_mark_read(report=report, user=request.user)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ConsentForm(forms.ModelForm):
    scan_upload = forms.FileField(
        label=_("scanned form"),
        required=False,
        help_text=_("A JPEG or PNG picture or a PDF file."),
    )

    class Meta:
        model = Consent
        fields = ["child", "purpose", "given_on", "given_by", "method", "withdrawn_on"]

    def clean_scan_upload(self):
        upload = self.cleaned_data.get("scan_upload")
        return clean_scan(upload) if upload else None


@admin.register(Consent)
class ConsentAdmin(RefusedAtSaveMixin, ScopedAdmin):
    form = ConsentForm
    list_display = ["child", "purpose", "given_on", "given_by", "method", "has_scan", "withdrawn_on"]
    list_filter = ["purpose", "method"]
    list_select_related = ["child"]
    search_fields = ["child__name", "given_by"]
    autocomplete_fields = ["child"]
    readonly_fields = ["scan_link", "recorded_by"]
    fields = [
        "child",
        "purpose",
        "given_on",
        "given_by",
        "method",
        "scan_upload",
        "scan_link",
        "withdrawn_on",
        "recorded_by",
    ]

    @admin.display(description=_("scanned form"), boolean=True)
    def has_scan(self, obj):
        return bool(obj.scan)

    @admin.display(description=_("scanned form"))
    def scan_link(self, obj):
        if obj is None or not obj.scan:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("safeguarding:consent_scan", args=[obj.pk]), _("open the form")
        )

    def save_model(self, request, obj, form, change):
        consent_save(consent=obj, scan=form.cleaned_data.get("scan_upload"), by=request.user)
