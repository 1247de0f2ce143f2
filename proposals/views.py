"""The township's phone pages: propose a change, and see what became of its proposals.

Everything is reached through ``for_user`` and written by ``proposals.services``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.views import child_label, staff_page
from children.models import Child
from core.idnumber import normalise_text
from core.security import as_pk
from core.signals import access_logged

from .forms import CHILD_FORMS, NewChildForm, payload_of
from .models import Kind, Proposal, State
from .services import needs_approval, proposal_submit, proposal_withdraw

SEARCH_LIMIT = 20
#: The status of the child each kind is about.
WANTED_STATUS = dict.fromkeys(CHILD_FORMS, Child.Status.ACTIVE) | {Kind.REENTER: Child.Status.EXITED}


@staff_page("proposals.add_proposal")
def mine(request):
    """The proposals of the account: returned ones first (they need something), then the rest."""
    proposals = (
        Proposal.objects.for_user(request.user)
        .filter(proposer=request.user)
        .exclude(state=State.WITHDRAWN)
        .select_related("decided_by")
        .order_by("-created_at", "-pk")[:50]
    )
    kinds = [(value, label) for value, label in Kind.choices]
    return render(request, "proposals/mine.html", {"proposals": proposals, "kinds": kinds})


def _children(user, kind, query):
    query = normalise_text(query)
    if not query:
        return Child.objects.none()
    access_logged.send(sender=Child, user=user, kind="search", place="proposal", detail=query)
    return (
        Child.objects.for_user(user)
        .filter(status=WANTED_STATUS[kind])
        .filter(Q(name__icontains=query) | Q(name_pinyin__icontains=query))
        .select_related("region")
        .order_by("name", "pk")[:SEARCH_LIMIT]
    )


@staff_page("proposals.add_proposal")
def propose(request, kind):
    if kind not in Kind.values:
        raise Http404
    user, child = request.user, None
    if kind != Kind.NEW_CHILD:
        pk = as_pk(request.POST.get("child") if request.method == "POST" else request.GET.get("child"))
        child = Child.objects.for_user(user).filter(pk=pk, status=WANTED_STATUS[kind]).select_related("region").first()
        if child is None:
            query = request.GET.get("q", "")
            results = [(c, child_label(c)) for c in _children(user, kind, query)]
            context = {"kind": kind, "title": Kind(kind).label, "query": query, "results": results}
            return render(request, "proposals/choose_child.html", context)
    data = request.POST if request.method == "POST" else None
    form = NewChildForm(data, user=user) if kind == Kind.NEW_CHILD else CHILD_FORMS[kind](data, objects=[child])
    if data is not None and form.is_valid():
        try:
            proposal = proposal_submit(kind=kind, by=user, child=child, payload=payload_of(form))
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            raise
        else:
            if proposal.state == State.APPROVED:
                messages.success(request, _("Done: %(summary)s.") % {"summary": proposal.summary})
            else:
                messages.success(
                    request, _("Proposed: %(summary)s. The county will decide.") % {"summary": proposal.summary}
                )
            return redirect("proposals:mine")
    context = {
        "kind": kind,
        "title": Kind(kind).label,
        "form": form,
        "child": child,
        "child_label": child_label(child) if child else "",
        "needs_approval": needs_approval(kind),
    }
    return render(request, "proposals/propose.html", context)


@require_POST
@staff_page("proposals.add_proposal")
def withdraw(request, pk):
    proposal = Proposal.objects.for_user(request.user).filter(pk=pk, proposer=request.user).first()
    if proposal is None:
        raise Http404
    try:
        proposal_withdraw(proposal=proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("Withdrawn: %(summary)s.") % {"summary": proposal.summary})
    return redirect("proposals:mine")
