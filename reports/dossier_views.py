"""The 一人一档 of one child and the 结对卡 of one pairing, as PDF downloads (behind the admin's login)."""

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse

from core.downloads import as_attachment
from core.permissions import DOSSIER, PAIRING_CARD, may_export

from .dossier import card_file_name, card_pairing, dossier_file_name, dossier_pdf, dossier_queryset, pairing_card_pdf
from .pdf import PdfUnavailable


def _pdf(request, write, name, back):
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    try:
        write(target)
    except PdfUnavailable as error:
        target.close()
        messages.error(request, str(error))
        return redirect(back)
    target.seek(0)
    response = as_attachment(FileResponse(target, content_type="application/pdf"), name)
    response["Cache-Control"] = "private, no-store"
    return response


def child_dossier_pdf(request, pk):
    """One child's file, as the user may see it; a child out of the user's scope is not found."""
    if not may_export(request.user, DOSSIER):
        raise PermissionDenied
    child = dossier_queryset(request.user).filter(pk=pk).first()
    if child is None:
        raise Http404
    return _pdf(
        request,
        lambda target: dossier_pdf(target, request.user, [child]),
        dossier_file_name(child),
        reverse("children:profile", args=[child.pk]),
    )


def pairing_card_view(request, pk):
    """The pairing card, two copies on one A4 page; a pairing out of the user's scope is not found."""
    if not may_export(request.user, PAIRING_CARD):
        raise PermissionDenied
    pairing = card_pairing(request.user, pk)
    if pairing is None:
        raise Http404
    return _pdf(
        request,
        lambda target: pairing_card_pdf(target, request.user, pairing),
        card_file_name(pairing),
        reverse("admin:pairing_pairing_change", args=[pairing.pk]),
    )
