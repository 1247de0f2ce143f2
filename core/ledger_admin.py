"""Import, export and blank templates on the register admins (django-import-export + unfold).

Use as the FIRST base: ``class ChildAdmin(LedgerImportExportMixin, ScopedAdmin)`` with
``resource_classes = [ChildResource]``. The import-export classes must precede Django's
ModelAdmin in the MRO for their views to exist; the permission checks are forwarded so that
``has_import_permission``/``has_export_permission`` defined on the admin itself or on
``ScopedAdmin`` still win over import-export's defaults.
"""

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.decorators import action

from core.downloads import as_attachment
from core.ledger.files import LedgerFileError
from core.ledger.formats import LedgerFileFormat, LedgerXlsxFormat
from core.ledger.resources import summary_counts, summary_line
from core.ledger.storage import LedgerUploadStorage
from core.ledger.template import build_template
from core.permissions import may_export, may_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _defined_outside_import_export(admin, name):
    for klass in type(admin).__mro__:
        if klass.__module__.startswith("import_export") or klass is LedgerImportExportMixin:
            continue
        if name in vars(klass):
            return vars(klass)[name]
    return None


class LedgerImportExportMixin(ImportExportMixin):
    import_form_class = ImportForm
    export_form_class = ExportForm
    import_formats = [LedgerFileFormat]
    export_formats = [LedgerXlsxFormat]
    tmp_storage_class = LedgerUploadStorage
    skip_admin_log = True
    import_error_display = ("message",)
    actions_list = ["download_ledger_template"]

    # core.permissions decides first (the rule every export path shares); the admin's own
    # check may only narrow it.
    def has_import_permission(self, request):
        if not may_import(request.user, self.model._meta.label_lower):
            return False
        own = _defined_outside_import_export(self, "has_import_permission")
        return own(self, request) if own else super().has_import_permission(request)

    def has_export_permission(self, request):
        if not may_export(request.user, self.model._meta.label_lower):
            return False
        own = _defined_outside_import_export(self, "has_export_permission")
        return own(self, request) if own else super().has_export_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def export_action(self, request):
        # The changelist answers a filter it cannot apply by reloading with ?e=1; import-export
        # lets the exception through as a 500. Say it in words and go back to the list.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            messages.error(request, gettext("The filters in the address cannot be applied; nothing was exported."))
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def get_data_for_export(self, request, queryset, **kwargs):
        kwargs["filters"] = dict(request.GET.items())
        return super().get_data_for_export(request, queryset, **kwargs)

    def get_export_filename(self, request, queryset, file_format):
        resource = self.get_export_resource_classes(request)[0]
        return f"{resource.title}-{timezone.localdate():%Y%m%d}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, **kwargs):
        # import-export writes filename="中文名", which Django sends RFC 2047-encoded.
        response = super()._do_file_export(file_format, request, queryset, **kwargs)
        return as_attachment(response, self.get_export_filename(request, queryset, file_format))

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, LedgerFileError):
            form.add_error("import_file", str(e))
        else:
            form.add_error("import_file", gettext("The file cannot be read as a spreadsheet."))

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None:
            messages.info(request, summary_line(summary_counts(result)))
            for number, note in getattr(result, "notes", []):
                messages.warning(request, gettext("Row %(row)d: %(note)s") % {"row": number, "note": note})
        if isinstance(response, TemplateResponse) and "confirm_form" not in context:
            self._remove_upload(request)
        return response

    def _remove_upload(self, request):
        # A preview that cannot be confirmed leaves no copy of the file behind.
        name = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if name:
            LedgerUploadStorage(name=name).remove()

    def process_result(self, result, request):
        counts = summary_counts(result)
        if counts["errors"]:
            messages.error(request, gettext("Nothing was imported: %(summary)s") % {"summary": summary_line(counts)})
        else:
            messages.success(request, summary_line(counts))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        pass  # process_result reports the counts in the ledger's own words

    @action(description=_("Blank template"), url_path="ledger-template", permissions=["import"], icon="download")
    def download_ledger_template(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.get_import_resource_classes(request)[0]
        response = HttpResponse(build_template(resource, request.user), content_type=XLSX)
        return as_attachment(response, f"{resource.title}-模板.xlsx")
