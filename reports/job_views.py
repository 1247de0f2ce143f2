from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from core.downloads import as_attachment
from core.masking import sees_full_identity
from core.permissions import LEDGER_SHEETS, MONTHLY_LEDGER, may_export
from core.signals import access_logged
from reports.jobs import KINDS, job_status
from reports.models import Job, JobStatus


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@staff_member_required
def job_status_view(request, pk):
    """Progress of one of the user's own jobs, for the job page's script; 404 for anyone else."""
    job = get_object_or_404(Job.objects.owned_by(request.user), pk=pk)
    return _private(JsonResponse(job_status(job)))


@require_GET
@staff_member_required
def job_file(request, pk):
    """A finished job's result file, only for the person who started the job."""
    # A failed import may keep one file: the upload with a 错误原因 column, to correct.
    job = get_object_or_404(Job.objects.owned_by(request.user), pk=pk, status__in=[JobStatus.DONE, JobStatus.FAILED])
    if not job.result:
        raise Http404
    if not may_download(request.user, job):
        raise PermissionDenied
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    access_logged.send(sender=Job, user=request.user, kind="job_file", place=job.kind, detail=job.result_name)
    name = job.result_name or "result.xlsx"
    return _private(as_attachment(FileResponse(handle, as_attachment=True, filename=name), name))


def may_download(user, job) -> bool:
    """An export's file only while its owner may still export what it holds (a role taken away
    since the job ran, or a monthly ledger with sheets the owner may no longer have: refused)."""
    kind = KINDS.get(job.kind)
    if kind is None or not kind.exports:
        return kind is not None
    granted = may_export(user, job.kind)
    if job.kind != MONTHLY_LEDGER:
        # A file that says it holds full numbers ("masked": false) only while its owner may see them.
        full = isinstance(job.report, dict) and job.report.get("masked") is False
        return bool(granted) and (sees_full_identity(user) or not full)
    # A ledger written before its sheets were recorded has them all.
    written = job.report.get("sheets") if isinstance(job.report, dict) and "sheets" in job.report else None
    sheets = LEDGER_SHEETS if written is None else [s for s in written.split("、") if s]
    # Full numbers only while the owner may still see them (a file that does not say: full).
    unmasked = not (isinstance(job.report, dict) and job.report.get("masked"))
    return bool(granted) and set(sheets) <= set(granted) and (sees_full_identity(user) or not unmasked)
