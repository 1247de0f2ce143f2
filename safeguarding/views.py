from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from core.signals import access_logged

from .models import Consent


@require_GET
@login_required(login_url=reverse_lazy("admin:login"))
@permission_required("safeguarding.view_consent", raise_exception=True)
def consent_scan(request, pk):
    """A scanned consent form, only for a user who may see the child; never cached."""
    consent = get_object_or_404(Consent.objects.for_user(request.user).select_related("child"), pk=pk)
    if not consent.scan:
        raise Http404
    access_logged.send(
        sender=Consent, user=request.user, kind="photo", place="consent_scan", detail=str(pk), child=consent.child
    )
    try:
        handle = consent.scan.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    pdf = consent.scan.name.endswith(".pdf")
    response = FileResponse(handle, content_type="application/pdf" if pdf else "image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
