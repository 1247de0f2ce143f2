"""The 全覆盖核查 admin page: upload their list, read the four lists, download the workbook."""

import json
import re
import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.downloads import as_attachment, day_label, download_name
from core.idnumber import mask_id_number
from core.ledger.storage import LedgerUploadStorage
from core.masking import id_number_for, sees_full_identity
from core.signals import access_logged
from regions.scoping import user_region

from .forms import ReconcileForm
from .reconcile import RosterError, may_reconcile, reconcile
from .result_file import result_workbook

#: Rows of each list shown on the page; the workbook has them all.
SHOWN = 50
SESSION_KEY = "roster_results"
KEPT = 5  # result files a session can still download
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _storage(token: str, part: str = "") -> LedgerUploadStorage:
    # The private upload folder (0600 files, purged after a day by purge_ledger_uploads).
    return LedgerUploadStorage(name=f"roster-{token}{part}")


def _candidates(result) -> bytes:
    """What the one click needs: their children missing here, our active children missing there."""
    theirs = [
        {"name": p.name, "id_number": p.id_number, "village": p.village, "category": p.category}
        for p in result.theirs_only
    ]
    data = {"source": result.source, "theirs": theirs, "ours": [p.id_number for p in result.ours_only]}
    return json.dumps(data, ensure_ascii=False).encode()


def _sections(result, user):
    def id_no(value):
        return id_number_for(user, value)

    persons = [_("full name"), _("ID number"), _("Village"), _("category"), _("Row in their file")]

    def person_rows(items):
        return [(p.name, id_no(p.id_number), p.village, p.category, p.row or "—") for p in items[:SHOWN]]

    difference_rows = [
        (d.person.name, id_no(d.person.id_number), d.item, d.ours, d.theirs, d.row or "—")
        for d in result.differences[:SHOWN]
    ]
    unreadable_rows = [
        (u.row, u.name, u.id_text if sees_full_identity(user) else mask_id_number(u.id_text), u.reason)
        for u in result.unreadable[:SHOWN]
    ]
    return [
        *(
            (title, persons, person_rows(items), len(items))
            for title, items in (
                (_("On both lists"), result.both),
                (_("On their list only (candidates to add)"), result.theirs_only),
                (_("In this system only (candidates to review)"), result.ours_only),
            )
        ),
        (
            _("Mismatches"),
            [_("full name"), _("ID number"), _("Item"), _("This system"), _("Theirs"), _("Row in their file")],
            difference_rows,
            len(result.differences),
        ),
        (
            _("Cannot be checked"),
            [_("Row in their file"), _("full name"), _("ID number"), _("Reason")],
            unreadable_rows,
            len(result.unreadable),
        ),
    ]


def reconcile_view(request):
    if not may_reconcile(request.user):
        raise PermissionDenied
    form = ReconcileForm(request.POST or None, request.FILES or None)
    context = {**admin.site.each_context(request), "title": _("Roster reconciliation"), "form": form, "shown": SHOWN}
    if request.method == "POST" and form.is_valid():
        upload, source = form.cleaned_data["file"], form.cleaned_data["source"]
        try:
            result = reconcile(upload.read(), upload.name, user=request.user, source=source)
        except RosterError as exc:
            form.add_error("file", str(exc))
        else:
            token = uuid.uuid4().hex
            _storage(token).save(result_workbook(result, user=request.user))
            _storage(token, "-candidates").save(_candidates(result))
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-(KEPT - 1) :], token]
            context.update(
                propose_url=reverse("roster_propose", args=[token]),
                result=result,
                counts=result.counts(),
                sections=_sections(result, request.user),
                file_url=reverse("roster_result_file", args=[token]),
            )
    return TemplateResponse(request, "roster/reconcile.html", context)


def result_file_view(request, token):
    """The workbook of a reconciliation made in this session, by the same user."""
    if not may_reconcile(request.user):
        raise PermissionDenied
    if not _TOKEN.fullmatch(token) or token not in request.session.get(SESSION_KEY, []):
        raise Http404
    try:
        data = _storage(token).read()
    except FileNotFoundError:
        raise Http404 from None
    access_logged.send(sender=None, user=request.user, kind="job_file", place="roster", detail=token)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "private, no-store"
    today = day_label(timezone.localdate())
    name = download_name(region=user_region(request.user), kind="全覆盖核查结果", period=today, extension="xlsx")
    return as_attachment(response, name)


@require_POST
def propose_view(request, token):
    """One click: the candidates of a reconciliation made in this session become proposals."""
    from proposals.services import may_propose, proposals_from_roster

    if not may_reconcile(request.user) or not may_propose(request.user):
        raise PermissionDenied
    if not _TOKEN.fullmatch(token) or token not in request.session.get(SESSION_KEY, []):
        raise Http404
    try:
        data = json.loads(_storage(token, "-candidates").read())
    except FileNotFoundError:
        raise Http404 from None
    made, refused = proposals_from_roster(
        by=request.user, theirs=data["theirs"], ours=data["ours"], source=data.get("source", "")
    )
    messages.success(request, _("%(count)d proposals made; another county admin approves them.") % {"count": made})
    for reason in refused[:20]:
        messages.warning(request, reason)
    if len(refused) > 20:
        messages.warning(request, _("and %(count)d more not made.") % {"count": len(refused) - 20})
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    _storage(token, "-candidates").remove()
    return redirect(f"{reverse('admin:proposals_proposal_changelist')}?state__exact=pending")
