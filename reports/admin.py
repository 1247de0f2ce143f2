from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from reports.forms import ExportJobForm, ImportJobForm
from reports.jobs import KINDS, JobInputError, job_start
from reports.models import Job, JobStatus

# Labels for the usual keys of a job report (an importer may return any JSON-able dict).
REPORT_LABELS = {
    "rows": _("rows"),
    "created": _("added"),
    "new": _("added"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "skipped": _("skipped"),
    "conflicts": _("conflicts"),
    "errors": _("errors"),
    "sheets": _("sheets"),
    "children": _("children in the programme"),
    "activities": _("activities this month"),
    "masked": _("ID and phone numbers masked"),
    "stored": _("file stored at the month close"),
    "summary": _("result"),
}
#: Keys whose value is a list of lines, shown one per line under the counts.
REPORT_LINES = ("errors", "notes")


def report_value(value):
    """A report's value as a person reads it: 是/否, lists joined, nested counts labelled."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (list, tuple)):
        return "、".join(str(report_value(v)) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{REPORT_LABELS.get(k, k)} {report_value(v)}" for k, v in value.items())
    return value


def startable_kinds(user):
    return [kind for kind in KINDS.values() if kind.may_start(user)]


@admin.register(Job)
class JobAdmin(ModelAdmin):
    """Read-only: jobs are started from the start page and written only by the job runner."""

    list_display = ["id", "kind_display", "status_display", "progress_display", "created_at", "finished_at", "user"]
    list_filter = ["status"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "kind_display",
        # Not status_display: unfold renders a label's (value, text) pair only in the list, and
        # the change form showed "('done', '已完成')".
        "status_text",
        "progress_display",
        "created_at",
        "started_at",
        "finished_at",
        "user",
        "upload_name",
        "message",
        "report_display",
    ]
    readonly_fields = fields
    list_before_template = "reports/job_start_links.html"
    change_form_before_template = "reports/job_progress.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").for_user(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Someone else's job is "not found", as on every scoped admin (no redirect naming the id).
        raise Http404

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @display(description=_("kind"))
    def kind_display(self, obj):
        return obj.kind_label

    @display(
        description=_("status"),
        label={
            JobStatus.QUEUED: "info",
            JobStatus.RUNNING: "warning",
            JobStatus.DONE: "success",
            JobStatus.FAILED: "danger",
        },
    )
    def status_display(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("status"))
    def status_text(self, obj):
        return obj.get_status_display()

    @display(description=_("progress"))
    def progress_display(self, obj):
        percent = obj.percent
        total = "?" if obj.total is None else obj.total
        return format_html(
            '<progress class="job-progress" max="100" value="{}"></progress> <span>{} / {}{}</span>',
            percent or 0,
            obj.done,
            total,
            "" if percent is None else f"（{percent}%）",
        )

    @display(description=_("report"))
    def report_display(self, obj):
        if not obj.report:
            return "—"
        report = obj.report if isinstance(obj.report, dict) else {}
        lines = [line for key in REPORT_LINES if isinstance(report.get(key), list) for line in report[key]]
        counts = {k: v for k, v in report.items() if not (k in REPORT_LINES and isinstance(v, list))}
        items = format_html_join("", "<li>{}</li>", ((line,) for line in lines[:200]))
        summary = "；".join(f"{REPORT_LABELS.get(key, key)}：{report_value(value)}" for key, value in counts.items())
        return format_html("{}<ul>{}</ul>", summary, items)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Someone else's job is "not found", as for the status and the file.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "start/<str:kind>/",
                self.admin_site.admin_view(self.start_view),
                name="reports_job_start",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "job_kinds": startable_kinds(request.user)}
        return super().changelist_view(request, extra_context)

    def start_view(self, request, kind):
        job_kind = KINDS.get(kind)
        if job_kind is None:
            raise Http404
        if not job_kind.may_start(request.user):
            raise PermissionDenied
        form_class = job_kind.form_class or (ImportJobForm if job_kind.takes_upload else ExportJobForm)
        kwargs = {} if job_kind.takes_upload else {"user": request.user}
        form = form_class(request.POST or None, request.FILES or None, **kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                job = job_start(
                    user=request.user,
                    kind=kind,
                    params=form.params(),
                    upload=form.cleaned_data.get("file"),
                )
            except JobInputError as exc:
                form.add_error(None, str(exc))
            else:
                messages.info(request, _("The job has started; this page shows its progress."))
                return redirect("admin:reports_job_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": job_kind.label,
            "form": form,
            "job_kind": job_kind,
        }
        return TemplateResponse(request, "reports/job_start.html", context)
