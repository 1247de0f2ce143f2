"""Writes about a child that touch more than one row.

Each takes ``history_reason``: the change reason its history rows carry (a proposal's approval
names the proposal there, see ``proposals.services``); ``by`` is the history's user.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bulk import insert_rows_with_history
from reports import summary

from .models import CardChange, CardColour, Child

#: The reason on the card change that records a new child's first colour.
FIRST_COLOUR_REASON = "建档评估"


def _stamp(obj, by, history_reason: str):
    """Name ``by`` and ``history_reason`` on the history row the next save() writes."""
    if by is not None and getattr(by, "is_authenticated", False):
        obj._history_user = by
    if history_reason:
        obj._change_reason = history_reason[:100]
    return obj


@transaction.atomic
def child_change_colour(
    *, child: Child, to_colour: str, effective_on: datetime.date, reason: str, by=None, history_reason: str = ""
) -> CardChange | None:
    """Change a child's card colour and record who, when and why. The only way colours change.

    Returns None when the colour is already ``to_colour`` (nothing to record).
    """
    if to_colour not in CardColour.values:
        raise ValidationError(_("Unknown card colour: %(colour)s") % {"colour": to_colour})
    if not (reason or "").strip():
        raise ValidationError(_("A card colour change needs a reason."))
    child = Child.objects.select_for_update().select_related("region").get(pk=child.pk)
    if child.card_colour == to_colour:
        return None
    _correct_closed_month(child, to_colour, effective_on, reason, by)
    change = CardChange(
        child=child,
        from_colour=child.card_colour,
        to_colour=to_colour,
        effective_on=effective_on,
        reason=reason.strip(),
        changed_by=by,
    )
    change.full_clean()
    _stamp(change, by, history_reason).save()
    child.card_colour = to_colour
    _stamp(child, by, history_reason).save(update_fields=["card_colour", "updated_at"])
    summary.child_changed(child, effective_on)
    return change


@transaction.atomic
def child_register(*, child: Child, by=None, reason: str = FIRST_COLOUR_REASON, history_reason: str = "") -> Child:
    """Add a new child; its first card colour is a card change from none, like every later one."""
    _stamp(child, by, history_reason).save()
    child_record_first_colours(children=[child], by=by, reason=reason)
    summary.child_changed(child, child.entered_on or timezone.localdate())
    return child


def child_record_first_colours(
    *, children, by=None, reason: str = FIRST_COLOUR_REASON, on: datetime.date | None = None
) -> list[int]:
    """The first card colour of children just created (one insert for many: imports use it).

    It holds from ``on`` (an import: the ledger's date, the day the file says the child had that
    colour), else from the day the child entered the programme: not from today, which would put
    it after colour changes dated earlier (a visit's reassessment entered late). Written as rows,
    with their history, without a model instance each (an import records 10,000 at once)."""
    today, now = timezone.localdate(), timezone.now()
    by_id = getattr(by, "pk", None)
    columns = ["child_id", "from_colour", "to_colour", "effective_on", "reason", "changed_by_id", "created_at"]
    rows = [(c.pk, "", c.card_colour, min(on or c.entered_on or today, today), reason, by_id, now) for c in children]
    return insert_rows_with_history(CardChange, columns, rows, user=by, reason=reason)


def _correct_closed_month(child: Child, to_colour: str, effective_on: datetime.date, reason: str, by) -> None:
    """A colour effective in a closed month is a correction of that month (its reason is the change's)."""
    from closing.services import correction_record

    correction_record(
        region=child.region,
        day=effective_on,
        record=f"{child.name} {_('card colour')}",
        change=f"{CardColour(child.card_colour).label if child.card_colour else '—'} → {CardColour(to_colour).label}",
        reason=reason,
        by=by,
    )


def _exit_label(reason: str, text: str) -> str:
    return text if reason == Child.ExitReason.OTHER and text else str(Child.ExitReason(reason).label)


@transaction.atomic
def child_exit(
    *, child: Child, reason: str, on: datetime.date, by=None, reason_text: str = "", history_reason: str = ""
) -> Child:
    """A child leaves the programme; an open pairing ends with the matching reason.

    其他 needs ``reason_text``. An exit dated in a closed month is a correction of that month
    (``closing.services.correction_record``), its reason the exit reason.
    """
    from closing.services import correction_record
    from pairing.models import Pairing
    from pairing.services import pairing_end

    if reason not in Child.ExitReason.values:
        raise ValidationError(_("Unknown exit reason: %(reason)s") % {"reason": reason})
    reason_text = " ".join((reason_text or "").split())
    if reason == Child.ExitReason.OTHER and not reason_text:
        raise ValidationError(_("The exit reason is “other”: say what it is."), code="reason_text")
    if len(reason_text) > Child._meta.get_field("exit_reason_text").max_length:
        raise ValidationError(_("The exit reason is at most 200 characters."), code="reason_text")
    if on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="date")
    child = Child.objects.select_for_update().select_related("region").get(pk=child.pk)
    if child.status == Child.Status.EXITED:
        raise ValidationError(_("%(name)s has already exited.") % {"name": child.name}, code="exited")
    label = _exit_label(reason, reason_text)
    correction_record(
        region=child.region, day=on, record=f"{child.name} {_('exit')}", change=label, reason=label, by=by
    )
    child.status, child.exit_reason, child.exited_on = Child.Status.EXITED, reason, on
    child.exit_reason_text = reason_text if reason == Child.ExitReason.OTHER else ""
    _stamp(child, by, history_reason).save(
        update_fields=["status", "exit_reason", "exit_reason_text", "exited_on", "updated_at"]
    )
    end_reason = reason if reason in Pairing.EndReason.values else Pairing.EndReason.OTHER
    for pairing in Pairing.objects.filter(child=child, ended_on__isnull=True):
        pairing_end(pairing=pairing, reason=end_reason, on=on, by=by)
    summary.child_changed(child, on)
    return child


@transaction.atomic
def child_reenter(*, child: Child, on: datetime.date, reason: str, by=None, history_reason: str = "") -> Child:
    """重新纳入: an exited child is active again from ``on``.

    The exit is cleared (status, reason, text, date) and ``entered_on`` becomes ``on``: the
    month figures count the child from its return, not over the time it was out (which keeping
    the first ``entered_on`` would do, the exit date being gone). The earlier stay is kept in
    the child's history, as every change is. A re-entry dated in a closed month is a correction.
    """
    from closing.services import correction_record

    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("A re-entry needs a reason."), code="reason")
    if on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="date")
    child = Child.objects.select_for_update().select_related("region").get(pk=child.pk)
    if child.status != Child.Status.EXITED:
        raise ValidationError(_("%(name)s is in the programme already.") % {"name": child.name}, code="active")
    if child.exited_on and on < child.exited_on:
        raise ValidationError(
            _("A child cannot re-enter before it exited (%(day)s).") % {"day": child.exited_on}, code="date"
        )
    correction_record(
        region=child.region, day=on, record=f"{child.name} {_('re-entry')}", change=reason, reason=reason, by=by
    )
    child.status, child.exit_reason, child.exit_reason_text, child.exited_on = Child.Status.ACTIVE, "", "", None
    child.entered_on = on
    _stamp(child, by, history_reason or reason).save(
        update_fields=["status", "exit_reason", "exit_reason_text", "exited_on", "entered_on", "updated_at"]
    )
    summary.child_changed(child, on)
    return child


@transaction.atomic
def child_move(
    *, child: Child, to_region, on: datetime.date, end_pairings: bool, by=None, history_reason: str = ""
) -> Child:
    """A child moves to another village (a transfer, issue 15 item 4): who may see it follows.

    Its visits, plan and history stay with it (they hang off the child). Open pairings end on
    ``on`` (迁出) when ``end_pairings``, else continue: the mothers keep caring from afar.
    """
    from pairing.models import Pairing
    from pairing.services import pairing_end
    from regions.models import Level

    if to_region.level != Level.VILLAGE:
        raise ValidationError(_("A child lives in a village: choose a village."), code="region")
    child = Child.objects.select_for_update().get(pk=child.pk)
    if child.status != Child.Status.ACTIVE:
        raise ValidationError(_("%(name)s has exited.") % {"name": child.name}, code="exited")
    if child.region_id == to_region.pk:
        raise ValidationError(_("%(name)s already lives there.") % {"name": child.name}, code="same")
    if end_pairings:
        for pairing in Pairing.objects.filter(child=child, ended_on__isnull=True):
            pairing_end(pairing=pairing, reason=Pairing.EndReason.MOVED, on=on, by=by)
    old_region_id = child.region_id
    child.region = to_region
    _stamp(child, by, history_reason).save(update_fields=["region", "updated_at"])
    # Both townships' months change: the child is counted where it lives now, for every month.
    summary.child_changed(child, summary.DAWN, old_region_id=old_region_id)
    return child
