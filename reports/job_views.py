from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from core.downloads import as_attachment
from core.signals import access_logged
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
    job = get_object_or_404(Job.objects.owned_by(request.user), pk=pk, status=JobStatus.DONE)
    if not job.result:
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    access_logged.send(sender=Job, user=request.user, kind="job_file", place=job.kind, detail=job.result_name)
    name = job.result_name or "result.xlsx"
    return _private(as_attachment(FileResponse(handle, as_attachment=True, filename=name), name))
