"""Writes about a child that touch more than one row."""

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


@transaction.atomic
def child_change_colour(
    *, child: Child, to_colour: str, effective_on: datetime.date, reason: str, by=None
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
    change.save()
    child.card_colour = to_colour
    child.save(update_fields=["card_colour", "updated_at"])
    summary.child_changed(child, effective_on)
    return change


@transaction.atomic
def child_register(*, child: Child, by=None, reason: str = FIRST_COLOUR_REASON) -> Child:
    """Add a new child; its first card colour is a card change from none, like every later one."""
    child.save()
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


@transaction.atomic
def child_exit(*, child: Child, reason: str, on: datetime.date, by=None) -> Child:
    """A child leaves the programme; an open pairing ends with the matching reason."""
    from pairing.models import Pairing
    from pairing.services import pairing_end

    if reason not in Child.ExitReason.values:
        raise ValidationError(_("Unknown exit reason: %(reason)s") % {"reason": reason})
    child = Child.objects.select_for_update().get(pk=child.pk)
    if child.status == Child.Status.EXITED:
        raise ValidationError(_("%(name)s has already exited.") % {"name": child.name}, code="exited")
    child.status, child.exit_reason, child.exited_on = Child.Status.EXITED, reason, on
    child.save(update_fields=["status", "exit_reason", "exited_on", "updated_at"])
    end_reason = reason if reason in Pairing.EndReason.values else Pairing.EndReason.OTHER
    for pairing in Pairing.objects.filter(child=child, ended_on__isnull=True):
        pairing_end(pairing=pairing, reason=end_reason, on=on, by=by)
    summary.child_changed(child, on)
    return child
