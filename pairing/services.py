"""Pairing lifecycle, shared by the admin, imports and tests.

One-to-one or many-to-one is never stored: it follows from the number of current members.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from children.models import Child
from volunteers.models import Volunteer

from .models import Pairing, PairingMember


def _check_capacity(volunteers) -> None:
    limit = settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER
    for volunteer in volunteers:
        load = PairingMember.objects.current().filter(volunteer=volunteer).count()
        if load >= limit:
            raise ValidationError(
                _("%(name)s already cares for %(count)d children, the limit is %(limit)d.")
                % {"name": volunteer.name, "count": load, "limit": limit},
                code="volunteer_limit",
            )
        if volunteer.status == Volunteer.Status.LEFT:
            raise ValidationError(
                _("%(name)s has left the programme and cannot be paired.") % {"name": volunteer.name},
                code="volunteer_left",
            )


@transaction.atomic
def pairing_create(*, child: Child, volunteers: list[Volunteer], started_on: datetime.date, by=None) -> Pairing:
    """Pair an active, unpaired child with one or more caring mothers (the first one leads)."""
    if not volunteers:
        raise ValidationError(_("A pairing needs at least one caring mother."), code="no_volunteer")
    child = Child.objects.select_for_update().get(pk=child.pk)
    if child.status != Child.Status.ACTIVE:
        raise ValidationError(_("%(name)s has exited and cannot be paired.") % {"name": child.name}, code="exited")
    if Pairing.objects.filter(child=child, ended_on__isnull=True).exists():
        raise ValidationError(Pairing._meta.constraints[0].violation_error_message, code="already_paired")
    _check_capacity(volunteers)
    pairing = Pairing.objects.create(child=child, started_on=started_on)
    # bulk_create skips save() and so the history signals; this variant writes history rows too.
    bulk_create_with_history(
        [
            PairingMember(
                pairing=pairing,
                volunteer=volunteer,
                role=PairingMember.Role.LEAD if i == 0 else PairingMember.Role.ASSISTING,
                joined_on=started_on,
            )
            for i, volunteer in enumerate(volunteers)
        ],
        PairingMember,
        default_user=by,
    )
    return pairing


@transaction.atomic
def pairing_member_add(
    *, pairing: Pairing, volunteer: Volunteer, joined_on: datetime.date, role: str = PairingMember.Role.ASSISTING
) -> PairingMember:
    if not pairing.is_open:
        raise ValidationError(_("This pairing has ended."), code="ended")
    if pairing.members.filter(volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError(PairingMember._meta.constraints[0].violation_error_message, code="already_member")
    _check_capacity([volunteer])
    return PairingMember.objects.create(pairing=pairing, volunteer=volunteer, role=role, joined_on=joined_on)


@transaction.atomic
def pairing_member_leave(*, member: PairingMember, on: datetime.date) -> PairingMember:
    """A mother leaves one pairing; the membership row stays as history."""
    if member.left_on is None:
        member.left_on = max(on, member.joined_on)
        member.save(update_fields=["left_on", "updated_at"])
    return member


@transaction.atomic
def pairing_end(*, pairing: Pairing, reason: str, on: datetime.date, by=None) -> Pairing:
    if reason not in Pairing.EndReason.values:
        raise ValidationError(_("Unknown end reason: %(reason)s") % {"reason": reason}, code="reason")
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.ended_on is not None:
        return pairing
    on = max(on, pairing.started_on)
    for member in pairing.members.filter(left_on__isnull=True):
        pairing_member_leave(member=member, on=on)
    pairing.ended_on, pairing.end_reason = on, reason
    pairing.save(update_fields=["ended_on", "end_reason", "updated_at"])
    return pairing


@transaction.atomic
def volunteer_leave(*, volunteer: Volunteer, on: datetime.date, reason: str = "", by=None) -> list[Pairing]:
    """A mother leaves the programme and all her pairings.

    A pairing left with no current mother ends (爱心妈妈退出), so its child shows as unpaired
    and needing a new mother; returns those pairings.
    """
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer.status, volunteer.left_on, volunteer.left_reason = Volunteer.Status.LEFT, on, reason
    volunteer.save(update_fields=["status", "left_on", "left_reason", "updated_at"])
    orphaned = []
    for member in PairingMember.objects.current().filter(volunteer=volunteer).select_related("pairing"):
        pairing_member_leave(member=member, on=on)
        if not member.pairing.members.filter(left_on__isnull=True).exists():
            pairing_end(pairing=member.pairing, reason=Pairing.EndReason.VOLUNTEER_LEFT, on=on, by=by)
            orphaned.append(member.pairing)
    return orphaned
