"""Writes about a child that touch more than one row."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import CardChange, CardColour, Child


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
    child = Child.objects.select_for_update().get(pk=child.pk)
    if child.card_colour == to_colour:
        return None
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
    return change


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
    return child
