"""Every write of a proposal: make, approve, return, withdraw (issue 15, item 4).

Rules:
- ``proposal_submit`` checks the payload with the kind's form (``proposals.forms``) for the
  proposer, inside the proposer's scope. A kind not in ``settings.PROPOSALS_NEED_APPROVAL``
  (default: new child and exit) is applied at once, through the same code as an approval, and
  recorded as a proposal approved by its proposer, so the register's history reads the same
  way whatever the setting. A transfer always waits for the receiving side.
- Only county admins and above (``scope_covers_level``) with ``proposals.approve_proposal``
  decide, never on their own proposal, and only on proposals they see: a transfer is decided
  by the county of the receiving village (its admin accepts the child into their area).
- ``proposal_approve`` locks the proposal row (``select_for_update``) and applies the change
  through ``children.services`` in the same transaction: two approvers at once apply it once.
  The child's history rows name the approver as their user and the proposal as their reason.
- ``proposal_return`` needs a reason; the proposer is alerted after the commit
  (``notify.services.alert_proposal_returned``) and finds it on their 待办 until they withdraw
  it or propose again (which withdraws the returned one).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from children.models import CardColour, Child
from children.services import child_change_colour, child_exit, child_move, child_reenter, child_register
from regions.models import Level
from regions.scoping import scope_covers_level

from .forms import CHILD_FORMS, NewChildForm, payload_of
from .models import Kind, Proposal, State

#: Kinds that always wait for a decision, whatever the setting.
ALWAYS_DECIDED = {Kind.TRANSFER}


def needs_approval(kind: str) -> bool:
    return kind in ALWAYS_DECIDED or kind in set(settings.PROPOSALS_NEED_APPROVAL)


def may_propose(user) -> bool:
    return user is not None and user.is_active and user.has_perm("proposals.add_proposal")


def may_decide(user, proposal: Proposal) -> bool:
    """County admin or wider, may approve, sees the proposal's deciding side, did not propose it."""
    if not (user.is_active and user.has_perm("proposals.approve_proposal")):
        return False
    if not scope_covers_level(user, Level.COUNTY) or proposal.proposer_id == user.pk:
        return False
    from regions.models import Region

    deciding = proposal.to_region_id if proposal.kind == Kind.TRANSFER else proposal.region_id
    return Region.objects.for_user(user).filter(pk=deciding).exists()


def _bound(kind, payload, *, user, child=None):
    data = QueryDict(mutable=True)
    for key, value in (payload or {}).items():
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        elif value is not None:
            data[key] = str(value)
    if kind == Kind.NEW_CHILD:
        return NewChildForm(data, user=user)
    return CHILD_FORMS[kind](data, objects=[child] if child is not None else [])


def payload_rows(proposal: Proposal, *, user) -> list[tuple[str, str]]:
    """(label, value) of each proposed value as a person reads it, ID and phone numbers masked
    as everywhere for ``user``."""
    from core.admin import SENSITIVE_FIELDS

    form = _bound(proposal.kind, {}, user=user, child=proposal.child)
    rows = []
    for name, value in proposal.payload.items():
        field = form.fields.get(name)
        if field is None or value in ("", None, []):
            continue
        choices = {str(k): v for k, v in getattr(field, "choices", [])} if hasattr(field, "choices") else {}
        values = value if isinstance(value, list) else [value]
        shown = "、".join(str(choices.get(str(v), v)) for v in values)
        if name in SENSITIVE_FIELDS:
            shown = SENSITIVE_FIELDS[name](user, value)
        rows.append((str(field.label), shown))
    return rows


def _errors(form) -> ValidationError:
    messages = [
        f"{form.fields[name].label}：{'；'.join(errs)}" if name in form.fields else "；".join(errs)
        for name, errs in form.errors.items()
    ]
    return ValidationError(messages)


def _summary(kind, form, child) -> str:
    data = form.cleaned_data
    if kind == Kind.NEW_CHILD:
        return _("New child: %(name)s") % {"name": data["name"]}
    if kind == Kind.EXIT:
        reason = Child.ExitReason(data["reason"]).label
        text = (data.get("reason_text") or "").strip()
        return _("Exit of %(name)s: %(reason)s") % {"name": child.name, "reason": text or reason}
    if kind == Kind.COLOUR:
        return _("Colour of %(name)s to %(colour)s") % {
            "name": child.name,
            "colour": CardColour(data["to_colour"]).label,
        }
    if kind == Kind.REENTER:
        return _("Re-entry of %(name)s") % {"name": child.name}
    return _("Transfer of %(name)s to %(village)s") % {"name": child.name, "village": data["to_region"]}


@transaction.atomic
def proposal_submit(*, kind: str, by, payload: dict, child: Child | None = None, review: bool = False) -> Proposal:
    """A new proposal (pending, or applied at once when its kind needs no approval).

    ``review``: pending whatever the setting (the roster's candidates: a list says only that a
    child may be missing or gone, a person decides)."""
    if kind not in Kind.values or not may_propose(by):
        raise PermissionDenied
    if kind == Kind.NEW_CHILD:
        child = None
    else:
        child = Child.objects.for_user(by).filter(pk=getattr(child, "pk", None)).first()
        if child is None:
            raise ValidationError(_("This child is not in your area."))
        wanted = Child.Status.EXITED if kind == Kind.REENTER else Child.Status.ACTIVE
        if child.status != wanted:
            raise ValidationError(
                _("%(name)s has exited.") % {"name": child.name}
                if wanted == Child.Status.ACTIVE
                else _("%(name)s is in the programme already.") % {"name": child.name}
            )
    form = _bound(kind, payload, user=by, child=child)
    if not form.is_valid():
        raise _errors(form)
    if kind == Kind.NEW_CHILD:
        region = form.cleaned_data["region"]
        number = form.cleaned_data["id_number"]
        if Proposal.objects.pending().filter(kind=Kind.NEW_CHILD, payload__id_number=number).exists():
            raise ValidationError(_("A proposal for this child is already awaiting approval."))
    else:
        region = child.region
    proposal = Proposal(
        kind=kind,
        child=child,
        region=region,
        to_region=form.cleaned_data.get("to_region") if kind == Kind.TRANSFER else None,
        payload=payload_of(form),
        summary=_summary(kind, form, child)[:200],
        proposer=by,
    )
    proposal._history_user = by
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        raise ValidationError(_("A proposal for this child is already awaiting approval.")) from None
    # Withdraw what this one replaces: the same child's (or ID number's) returned proposals.
    for old in _returned_replaced(proposal).select_for_update():
        old.state, old._history_user = State.WITHDRAWN, by
        old.save(update_fields=["state"])
    if not review and not needs_approval(kind):
        _decide(proposal, by=by, approve=True)
    return proposal


def _returned_replaced(proposal):
    returned = Proposal.objects.filter(state=State.RETURNED, proposer=proposal.proposer, kind=proposal.kind)
    if proposal.child_id:
        return returned.filter(child=proposal.child_id)
    return returned.filter(payload__id_number=proposal.payload.get("id_number"))


def _locked(proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    if locked is None:
        raise ValidationError(_("This proposal no longer exists."))
    if locked.state != State.PENDING:
        raise ValidationError(
            _("This proposal has already been decided: %(state)s.") % {"state": locked.get_state_display()},
            code="decided",
        )
    return locked


def _history_reason(proposal) -> str:
    return _("proposal #%(pk)d of %(proposer)s") % {"pk": proposal.pk, "proposer": proposal.proposer}


def _apply(proposal: Proposal, *, by) -> None:
    """The change itself, through ``children.services``; the payload is checked again first."""
    kind, reason = proposal.kind, _history_reason(proposal)
    child = None
    if proposal.child_id:
        child = Child.objects.select_for_update().select_related("region").get(pk=proposal.child_id)
    form = _bound(kind, proposal.payload, user=by, child=child)
    if not form.is_valid():
        raise _errors(form)
    data = form.cleaned_data
    if kind == Kind.NEW_CHILD:
        new = form.save(commit=False)
        child_register(child=new, by=by, history_reason=reason)
        form.save_m2m()
        proposal.child = new
    elif kind == Kind.EXIT:
        child_exit(
            child=child,
            reason=data["reason"],
            reason_text=data.get("reason_text", ""),
            on=data["on"],
            by=by,
            history_reason=reason,
        )
    elif kind == Kind.COLOUR:
        change = child_change_colour(
            child=child,
            to_colour=data["to_colour"],
            effective_on=data["effective_on"],
            reason=data["stored_reason"],
            by=by,
            history_reason=reason,
        )
        if change is None:
            raise ValidationError(
                _("Colour unchanged: the card is already %(colour)s.") % {"colour": child.get_card_colour_display()}
            )
    elif kind == Kind.REENTER:
        child_reenter(child=child, on=data["on"], reason=data["reason"], by=by, history_reason=reason)
    else:
        child_move(
            child=child,
            to_region=data["to_region"],
            on=data["on"],
            end_pairings=data["end_pairings"],
            by=by,
            history_reason=reason,
        )


def _decide(proposal, *, by, approve: bool, reason: str = "") -> Proposal:
    if approve:
        _apply(proposal, by=by)
        proposal.state = State.APPROVED
    else:
        proposal.state, proposal.return_reason = State.RETURNED, reason
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    proposal._history_user = by
    proposal.save()
    return proposal


@transaction.atomic
def proposal_approve(*, proposal: Proposal, by) -> Proposal:
    """Approve and apply; refused (ValidationError) when decided already or no longer valid."""
    proposal = _locked(proposal)
    if not may_decide(by, proposal):
        raise PermissionDenied
    return _decide(proposal, by=by, approve=True)


@transaction.atomic
def proposal_return(*, proposal: Proposal, by, reason: str) -> Proposal:
    """Send back to the proposer with a reason; nothing in the register changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the proposal is returned."), code="reason")
    proposal = _locked(proposal)
    if not may_decide(by, proposal):
        raise PermissionDenied
    _decide(proposal, by=by, approve=False, reason=reason)
    transaction.on_commit(lambda: _alert_returned(proposal))
    return proposal


def _alert_returned(proposal) -> None:
    from notify.services import alert_proposal_returned

    alert_proposal_returned(
        proposer=proposal.proposer,
        title=proposal.summary,
        reason=proposal.return_reason,
        link=reverse("proposals:mine"),
    )


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by) -> Proposal:
    """The proposer takes back a pending or returned proposal."""
    locked = Proposal.objects.select_for_update().filter(pk=proposal.pk, proposer=by).first()
    if locked is None:
        raise PermissionDenied
    if locked.state not in (State.PENDING, State.RETURNED):
        raise ValidationError(
            _("This proposal has already been decided: %(state)s.") % {"state": locked.get_state_display()}
        )
    locked.state = State.WITHDRAWN
    locked._history_user = by
    locked.save(update_fields=["state"])
    return locked


def proposals_from_roster(*, by, theirs: list[dict], ours: list[str], source: str) -> tuple[int, list[str]]:
    """全覆盖核查's one click: a new-child proposal for each child on their list only, an exit
    proposal to review for each active child on ours only. All pending (``review``); each is
    made or refused on its own. Returns how many were made and why the others were not."""
    from children.models import ChildCategory
    from regions.models import Region
    from roster.reconcile import CategoryMatcher, VillageMatcher

    today = timezone.localdate().isoformat()
    made, refused = 0, []
    villages = list(Region.objects.for_user(by).filter(level=Level.VILLAGE))
    categories, places = CategoryMatcher(), VillageMatcher(by)
    category_ids = dict(ChildCategory.objects.values_list("name", "pk"))
    for person in theirs:
        village = next((v for v in villages if person.get("village") and places.same(person["village"], v)), None)
        category = categories.ours(person.get("category") or "")
        if village is None or category is None:
            missing = _("village") if village is None else _("category")
            refused.append(_("%(name)s: %(what)s not recognised.") % {"name": person["name"], "what": missing})
            continue
        payload = {
            "name": person["name"],
            "id_number": person["id_number"],
            "category": str(category_ids[category]),
            "card_colour": CardColour.GREEN,
            "region": str(village.pk),
            "entered_on": today,
        }
        made += _try_submit(refused, person["name"], kind=Kind.NEW_CHILD, by=by, payload=payload)
    text = _("Roster reconciliation: not on the %(source)s list, to be checked") % {"source": source or "—"}
    for child in Child.objects.for_user(by).active().filter(id_number__in=ours):
        payload = {"reason": Child.ExitReason.OTHER, "reason_text": text[:200], "on": today}
        made += _try_submit(refused, child.name, kind=Kind.EXIT, by=by, payload=payload, child=child)
    return made, refused


def _try_submit(refused: list, name: str, **kwargs) -> int:
    try:
        with transaction.atomic():
            proposal_submit(review=True, **kwargs)
    except ValidationError as error:
        refused.append(f"{name}：{'；'.join(error.messages)}")
        return 0
    return 1
