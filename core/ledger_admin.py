"""Import, export and blank templates on the register admins (django-import-export + unfold).

Use as the FIRST base: ``class ChildAdmin(LedgerImportExportMixin, ScopedAdmin)`` with
``resource_classes = [ChildResource]``. The import-export classes must precede Django's
ModelAdmin in the MRO for their views to exist; the permission checks are forwarded so that
``has_import_permission``/``has_export_permission`` defined on the admin itself or on
``ScopedAdmin`` still win over import-export's defaults.
"""

import base64

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.decorators import action

from core.downloads import as_attachment, day_label, download_name
from core.ledger.error_file import error_file_name, error_workbook
from core.ledger.files import LedgerFileError
from core.ledger.formats import LedgerFileFormat, LedgerXlsxFormat
from core.ledger.resources import log_failed_import, report_lines, summary_counts, summary_line
from core.ledger.storage import LedgerUploadStorage
from core.ledger.template import build_template
from core.permissions import may_export, may_import
from regions.models import Level, Region
from regions.proposals import may_add_villages, places_resolve
from regions.scoping import user_region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: At most this many problems of a failed confirm are shown as messages.
MAX_CONFIRM_LINES = 20
#: At most this many rows are drawn in a preview's table (10,000 rows of 49 columns made a page
#: of 190 MB that took longer than gunicorn's timeout). Rows with a conflict come first; every
#: row with an error is in the error file, every count in the summary.
PREVIEW_ROWS = 200


def preview_rows(rows: list, *, first=lambda row: False) -> tuple[list, int]:
    """The rows a preview's table shows, in file order, and how many it leaves out: the rows
    ``first`` picks (conflicts), then the others, up to PREVIEW_ROWS."""
    if len(rows) <= PREVIEW_ROWS:
        return rows, 0
    picked = [row for row in rows if first(row)][:PREVIEW_ROWS]
    chosen = {id(row) for row in picked}
    rest = [row for row in rows if id(row) not in chosen][: PREVIEW_ROWS - len(picked)]
    chosen.update(id(row) for row in rest)
    return [row for row in rows if id(row) in chosen], len(rows) - len(chosen)


def _has_conflict(row) -> bool:
    return any(change.conflict for change in getattr(row, "changes", []))


class LedgerImportForm(ImportForm):
    ledger_date = forms.DateField(
        label=_("Ledger date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date the ledger speaks for; when empty, the 填报日期 in its title rows."),
    )


class LedgerConfirmForm(ConfirmImportForm):
    ledger_date = forms.DateField(required=False, widget=forms.HiddenInput())
    overwrite_newer = forms.BooleanField(
        label=_("Also overwrite the values changed in the system after the ledger's date (the conflicts below)"),
        required=False,
    )


def _defined_outside_import_export(admin, name):
    for klass in type(admin).__mro__:
        if klass.__module__.startswith("import_export") or klass is LedgerImportExportMixin:
            continue
        if name in vars(klass):
            return vars(klass)[name]
    return None


class LedgerImportExportMixin(ImportExportMixin):
    import_form_class = LedgerImportForm
    confirm_form_class = LedgerConfirmForm
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

    def get_import_resource_kwargs(self, request, **kwargs):
        data = getattr(kwargs.get("form"), "cleaned_data", None) or {}
        return {
            **self.get_resource_kwargs(request),
            "ledger_date": data.get("ledger_date"),
            "overwrite_newer": bool(data.get("overwrite_newer")),
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None and import_form.cleaned_data.get("ledger_date"):
            initial["ledger_date"] = import_form.cleaned_data["ledger_date"]
        return initial

    def get_data_for_export(self, request, queryset, **kwargs):
        kwargs["filters"] = dict(request.GET.items())
        return super().get_data_for_export(request, queryset, **kwargs)

    def get_export_filename(self, request, queryset, file_format):
        resource = self.get_export_resource_classes(request)[0]
        return download_name(
            region=user_region(request.user),
            kind=resource.title,
            period=day_label(timezone.localdate()),
            extension=file_format.get_extension(),
        )

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
            context["shown_rows"], context["hidden_rows"] = preview_rows(result.valid_rows(), first=_has_conflict)
            context["shown_invalid_rows"], context["hidden_invalid_rows"] = preview_rows(result.invalid_rows)
            for number, note in getattr(result, "notes", []):
                messages.warning(request, gettext("Row %(row)d: %(note)s") % {"row": number, "note": note})
        if isinstance(response, TemplateResponse) and "confirm_form" not in context:
            if result is not None:
                context["error_file"] = self._error_file(request, result)
                context["unknown_places"] = self._unknown_places(request, result)
                title = self.get_import_resource_classes(request)[0].title
                context["error_file_name"] = error_file_name(request.user, title)
            self._remove_upload(request)
        return response

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        own = path(
            "ledger-places/",
            self.admin_site.admin_view(self.resolve_places_view),
            name="{}_{}_ledger_places".format(*info),
        )
        return [own, *super().get_urls()]

    def _unknown_places(self, request, result) -> list[dict]:
        """The villages a file names that its townships lack, for a county admin to create or map."""
        places = getattr(result, "unknown_villages", [])
        if not places or not may_add_villages(request.user):
            return []
        villages = Region.objects.for_user(request.user).filter(
            level=Level.VILLAGE, parent__in=[town for town, _name, _rows in places]
        )
        by_town = {}
        for village in villages.order_by("code"):
            by_town.setdefault(village.parent_id, []).append(village)
        return [
            {"township": town, "name": name, "rows": rows, "villages": by_town.get(town.pk, [])}
            for town, name, rows in places
        ]

    def resolve_places_view(self, request):
        """One POST: create the chosen villages and remember the chosen spellings, all or nothing."""
        if request.method != "POST" or not self.has_import_permission(request):
            raise PermissionDenied
        count = min(int(request.POST.get("places", "0") or 0), 500)
        choices = [
            tuple(request.POST.get(f"place-{i}-{part}", "") for part in ("township", "name", "choice"))
            for i in range(count)
        ]
        try:
            created, aliases = places_resolve(user=request.user, choices=choices)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext("Created %(created)d villages and remembered %(aliases)d spellings; upload the file again.")
                % {"created": created, "aliases": aliases},
            )
        return HttpResponseRedirect(self._import_url())

    def _error_file(self, request, result) -> str:
        """The upload with a 错误原因 column, as a data: link (no copy of the file stays on the server)."""
        upload = request.FILES.get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if not name or not result.invalid_rows:
            return ""
        dataset = LedgerFileFormat().create_dataset(LedgerUploadStorage(name=name).read())
        data = error_workbook(dataset, result)
        return f"data:{XLSX};base64,{base64.b64encode(data).decode()}" if data else ""

    def _remove_upload(self, request):
        # A preview that cannot be confirmed leaves no copy of the file behind.
        name = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if name:
            LedgerUploadStorage(name=name).remove()

    def process_import(self, request, **kwargs):
        """The confirm step. A file that can no longer be read (already confirmed, e.g. by a
        double click, or purged after a day) is a message and a log entry, not a 500."""
        try:
            return super().process_import(request, **kwargs)
        except (FileNotFoundError, LedgerFileError) as exc:
            if isinstance(exc, LedgerFileError):
                reason = str(exc)
            else:
                reason = gettext(
                    "The uploaded file is no longer on the server (it was already imported, or its preview "
                    "is more than a day old); nothing was imported. Upload the file again."
                )
            resource = self.get_import_resource_classes(request)[0]
            log_failed_import(request.user, resource.ledger, request.POST.get("original_file_name", ""), reason=reason)
            messages.error(request, reason)
            return redirect(self._import_url())

    def _import_url(self) -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse("admin:{}_{}_import".format(*info), current_app=self.admin_site.name)

    def process_result(self, result, request):
        counts = summary_counts(result)
        if counts["errors"]:
            # Every reason, naming the row (or the system's reason): the count alone tells nobody
            # what to do. The engine has already logged the failure.
            messages.error(request, gettext("Nothing was imported: %(summary)s") % {"summary": summary_line(counts)})
            lines = report_lines(result)
            for line in lines[:MAX_CONFIRM_LINES]:
                messages.error(request, line)
            if len(lines) > MAX_CONFIRM_LINES:
                messages.error(
                    request,
                    gettext("…and %(count)d more problems; upload the file again to see them all.")
                    % {"count": len(lines) - MAX_CONFIRM_LINES},
                )
            if not lines:
                messages.error(request, gettext("The import failed for a reason the system did not record."))
            return redirect(self._import_url())
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
        name = download_name(
            region=user_region(request.user),
            kind=gettext("%(title)s template") % {"title": resource.title},
            extension="xlsx",
        )
        return as_attachment(response, name)
