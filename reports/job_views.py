from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from reports.jobs import job_status
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
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return _private(FileResponse(handle, as_attachment=True, filename=job.result_name or "result.xlsx"))
