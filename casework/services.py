"""Every write of needs, referrals and 督办 (admin, profile, phone visit page, tests)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from children.models import Child
from notify.services import alert_supervision
from regions.models import Level
from regions.scoping import scope_covers_level

from .models import (
    CLOSED_NEED_STATUSES,
    CLOSED_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    ActorKind,
    Need,
    NeedStatus,
    NeedVisit,
    Referral,
    ReferralStatus,
    Supervision,
    SupervisionStatus,
)

#: Fields of a need that each kind of actor uses; the others are cleared on save.
ACTOR_FIELDS = {ActorKind.MOTHER: "volunteer", ActorKind.TEAM: "team", ActorKind.DEPARTMENT: "department"}


def _check_child(by, child_id) -> None:
    """``by`` (None for commands and migrations) must see the child."""
    if by is not None and not Child.objects.for_user(by).filter(pk=child_id).exists():
        raise PermissionDenied(_("This child is outside your region."))


def _check_perm(by, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise PermissionDenied(_("You may not do this."))


@transaction.atomic
def need_save(*, need: Need, by=None) -> Need:
    """Save a new or changed need. A closed need (已完成 / 无法解决) needs its outcome and is
    dated; the fields of the other kinds of actor are cleared."""
    adding = need.pk is None
    _check_perm(by, "casework.add_need" if adding else "casework.change_need")
    _check_child(by, need.child_id)
    if not adding:
        _check_child(by, Need.objects.filter(pk=need.pk).values_list("child_id", flat=True).first())
    for kind, field in ACTOR_FIELDS.items():
        if need.actor_kind != kind:
            setattr(need, field, None)
    need.outcome = (need.outcome or "").strip()
    if need.status in CLOSED_NEED_STATUSES:
        if not need.outcome:
            raise ValidationError({"outcome": _("A need that is done or cannot be solved needs its outcome.")})
        need.closed_on = need.closed_on or timezone.localdate()
    else:
        need.closed_on = None
    if adding:
        need.created_by = need.created_by or by
    need.full_clean()
    need.save()
    return need


def need_add(*, child: Child, kind: str, description: str, by=None, **fields) -> Need:
    fields.setdefault("found_on", timezone.localdate())
    return need_save(need=Need(child=child, kind=kind, description=description, **fields), by=by)


@transaction.atomic
def visit_tick_needs(*, visit, needs=(), new_needs=(), by=None) -> list[NeedVisit]:
    """The needs a visit worked on (ticked) and the new ones it found.

    Called by ``activities.services.visit_save``'s callers (phone page) after the visit is
    stored. ``needs`` must be the visit's child's; ``new_needs`` are dicts of ``Need`` fields
    (kind, description, measure…), recorded as found on this visit.
    """
    ticked = []
    for need in needs:
        if need.child_id != visit.child_id:
            raise ValidationError(_("A visit can only tick needs of the child it visited."))
        link, _created = NeedVisit.objects.get_or_create(need=need, visit=visit)
        ticked.append(link)
        if need.status == NeedStatus.PENDING:
            need.status = NeedStatus.IN_PROGRESS
            need_save(need=need, by=by)
    for fields in new_needs:
        fields = {"found_on": visit.visited_on, "actor_kind": ActorKind.STAFF, **fields}
        need = need_add(child=visit.child, found_on_visit=visit, by=by, **fields)
        ticked.append(NeedVisit.objects.create(need=need, visit=visit))
    return ticked


# -- referrals (转介) ----------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    need: Need,
    department,
    referred_on: datetime.date,
    request: str,
    contact: str = "",
    due_on: datetime.date | None = None,
    by=None,
) -> Referral:
    """Refer a need to a department: the need's status becomes 已转介."""
    _check_perm(by, "casework.add_referral")
    _check_child(by, need.child_id)
    if not need.is_open:
        raise ValidationError(_("Only an open need can be referred."))
    referral = Referral(
        need=need,
        department=department,
        referred_on=referred_on,
        request=(request or "").strip(),
        contact=contact,
        due_on=due_on,
        status=ReferralStatus.SENT,
        created_by=by,
    )
    referral.full_clean()
    referral.save()
    need.status = NeedStatus.REFERRED
    need.department = need.department or department
    need.save(update_fields=["status", "department", "updated_at"])
    return referral


@transaction.atomic
def referral_set_status(
    *, referral: Referral, status: str, feedback: str = "", closed_on: datetime.date | None = None, by=None
) -> Referral:
    """Move a referral on: 已发出 → 已受理 / 退回, 已受理 → 已办结 / 退回; nothing else.

    Closing (已办结 or 退回) dates it (today unless given); the department's feedback is kept.
    """
    _check_perm(by, "casework.change_referral")
    referral = Referral.objects.select_for_update().select_related("need").get(pk=referral.pk)
    _check_child(by, referral.need.child_id)
    if status not in REFERRAL_TRANSITIONS.get(referral.status, set()):
        raise ValidationError(
            _("A referral that is %(from)s cannot become %(to)s.")
            % {"from": ReferralStatus(referral.status).label, "to": _label(status)}
        )
    referral.status = status
    if feedback.strip():
        referral.feedback = feedback.strip()
    if status in CLOSED_REFERRAL_STATUSES:
        referral.closed_on = closed_on or timezone.localdate()
    referral.full_clean()
    referral.save()
    return referral


def referral_update(*, referral: Referral, by=None) -> Referral:
    """Change a referral's details (contact, request, due date, feedback) — not its status."""
    _check_perm(by, "casework.change_referral")
    stored = Referral.objects.select_related("need").get(pk=referral.pk)
    _check_child(by, stored.need.child_id)
    _check_child(by, referral.need.child_id)
    if referral.status != stored.status or referral.closed_on != stored.closed_on:
        raise ValidationError(_("Change a referral's status with its status buttons."))
    referral.full_clean()
    referral.save()
    return referral


def _label(status: str) -> str:
    try:
        return str(ReferralStatus(status).label)
    except ValueError:
        return status


# -- 督办 -----------------------------------------------------------------------------------------


def may_supervise(user) -> bool:
    """County admins and above (and superusers) ask townships for a reply."""
    if user is None or not user.has_perm("casework.add_supervision"):
        return False
    return scope_covers_level(user, Level.COUNTY)


@transaction.atomic
def supervision_create(
    *,
    question: str,
    reply_by: datetime.date,
    child: Child | None = None,
    need: Need | None = None,
    by=None,
    asked_on: datetime.date | None = None,
) -> Supervision:
    """A county admin asks the child's (or need's) township for a reply by ``reply_by``."""
    if by is not None and not may_supervise(by):
        raise PermissionDenied(_("Only a county admin can issue a supervision."))
    if need is not None:
        child = child or need.child
        if need.child_id != child.pk:
            raise ValidationError(_("The need is not this child's."))
    if child is None:
        raise ValidationError(_("A supervision names a child or a need."))
    _check_child(by, child.pk)
    township = child.region
    while township.level > Level.TOWNSHIP:
        township = township.parent
    supervision = Supervision(
        region=township,
        child=child,
        need=need,
        question=(question or "").strip(),
        asked_by=by,
        asked_on=asked_on or timezone.localdate(),
        reply_by=reply_by,
    )
    supervision.full_clean()
    supervision.save()
    transaction.on_commit(lambda: alert_supervision(supervision), robust=True)
    return supervision


@transaction.atomic
def supervision_reply(*, supervision: Supervision, reply: str, by=None) -> Supervision:
    """The township answers: the reply, who and when; the status becomes 已回复."""
    _check_perm(by, "casework.change_supervision")
    if by is not None and not Supervision.objects.for_user(by).filter(pk=supervision.pk).exists():
        raise PermissionDenied(_("This supervision is outside your region."))
    supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
    if supervision.status == SupervisionStatus.CLOSED:
        raise ValidationError(_("This supervision is closed."))
    if not (reply or "").strip():
        raise ValidationError({"reply": _("Write the reply.")})
    supervision.reply = reply.strip()
    supervision.replied_by = by
    supervision.replied_at = timezone.now()
    supervision.status = SupervisionStatus.REPLIED
    supervision.full_clean()
    supervision.save()
    return supervision


@transaction.atomic
def supervision_close(*, supervision: Supervision, by=None) -> Supervision:
    if by is not None and not may_supervise(by):
        raise PermissionDenied(_("Only a county admin can close a supervision."))
    if by is not None and not Supervision.objects.for_user(by).filter(pk=supervision.pk).exists():
        raise PermissionDenied(_("This supervision is outside your region."))
    supervision.status = SupervisionStatus.CLOSED
    supervision.save(update_fields=["status", "updated_at"])
    return supervision


def supervision_update(*, supervision: Supervision, by=None) -> Supervision:
    """The asking admin edits the question or the date (admin form)."""
    if by is not None and not may_supervise(by):
        raise PermissionDenied(_("Only a county admin can change a supervision."))
    supervision.full_clean()
    supervision.save()
    return supervision
