"""Pairing lifecycle, shared by the admin, imports and tests.

One-to-one or many-to-one is never stored: it follows from the number of current members.
Rows are never deleted: a mother leaving sets ``left_on``, an ended pairing keeps its members.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from children.models import Child
from reports import summary
from volunteers.models import Volunteer

from .models import Pairing, PairingMember

NOTE_MAX = Pairing._meta.get_field("end_note").max_length
OTHER_NEEDS_NOTE = _('The end reason is "other": say what the reason is.')


def _check_capacity(volunteers: list[Volunteer]) -> None:
    """Refuse mothers who have left or already care for the maximum number of children.

    The volunteer rows are locked first so two pairings made at the same moment cannot both
    take a mother's last place.
    """
    limit = settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER
    ids = [v.pk for v in volunteers]
    locked = {v.pk: v for v in Volunteer.objects.select_for_update().filter(pk__in=ids)}
    loads = dict(
        PairingMember.objects.current()
        .filter(volunteer__in=ids)
        .values("volunteer")
        .annotate(n=Count("id"))
        .values_list("volunteer", "n")
    )
    for pk in ids:
        volunteer = locked[pk]
        if volunteer.status == Volunteer.Status.LEFT:
            raise ValidationError(
                _("%(name)s has left the programme and cannot be paired.") % {"name": volunteer.name},
                code="volunteer_left",
            )
        load = loads.get(pk, 0)
        if load >= limit:
            raise ValidationError(
                _("%(name)s already cares for %(count)d children, the limit is %(limit)d.")
                % {"name": volunteer.name, "count": load, "limit": limit},
                code="volunteer_limit",
            )


@transaction.atomic
def pairing_create(*, child: Child, volunteers: list[Volunteer], started_on: datetime.date, by=None) -> Pairing:
    """Pair an active, unpaired child with one or more caring mothers.

    ``volunteers[0]`` leads (主责); the pair page asks for the lead in a field of its own and
    passes ``[lead, *others]``, so the order of clicks never decides it.
    """
    volunteers = list(volunteers)
    if not volunteers:
        raise ValidationError(_("A pairing needs at least one caring mother."), code="no_volunteer")
    if len({v.pk for v in volunteers}) != len(volunteers):
        raise ValidationError(_("The same caring mother is listed twice."), code="duplicate_volunteer")
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
    summary.child_changed(child, started_on)
    return pairing


@transaction.atomic
def pairing_member_add(
    *,
    pairing: Pairing,
    volunteer: Volunteer,
    joined_on: datetime.date,
    role: str = PairingMember.Role.ASSISTING,
    by=None,
) -> PairingMember:
    """A mother joins an open pairing (one-to-one becomes many-to-one)."""
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    summary.child_changed(pairing.child, joined_on)
    if not pairing.is_open:
        raise ValidationError(_("This pairing has ended."), code="ended")
    if joined_on < pairing.started_on:
        raise ValidationError(_("A caring mother cannot join before the pairing started."), code="date")
    if pairing.members.filter(volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError(PairingMember._meta.constraints[0].violation_error_message, code="already_member")
    if role not in PairingMember.Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role}, code="role")
    _check_capacity([volunteer])
    if role != PairingMember.Role.LEAD:
        return PairingMember.objects.create(pairing=pairing, volunteer=volunteer, role=role, joined_on=joined_on)
    # A pairing has one lead: a mother who joins as the lead takes over from the current one.
    member = PairingMember.objects.create(
        pairing=pairing, volunteer=volunteer, role=PairingMember.Role.ASSISTING, joined_on=joined_on
    )
    return pairing_lead_change(member=member, by=by)


def _close_membership(member: PairingMember, on: datetime.date) -> None:
    if on < member.joined_on:
        raise ValidationError(
            _("%(name)s joined on %(joined)s and cannot leave before that.")
            % {"name": member.volunteer.name, "joined": member.joined_on},
            code="date",
        )
    member.left_on = on
    member.save(update_fields=["left_on", "updated_at"])


@transaction.atomic
def pairing_member_leave(*, member: PairingMember, on: datetime.date, by=None) -> Pairing:
    """A mother leaves one pairing; the membership row stays as history.

    When she was the last current mother the pairing ends (爱心妈妈退出) and the child shows
    as unpaired; when she led it, the longest-serving remaining mother becomes the lead.
    Returns the pairing (ended or not).
    """
    member = PairingMember.objects.select_for_update().select_related("volunteer").get(pk=member.pk)
    if member.left_on is not None:
        raise ValidationError(_("This caring mother has already left this pairing."), code="already_left")
    _close_membership(member, on)
    pairing = member.pairing
    summary.child_changed(pairing.child, on)
    remaining = pairing.members.filter(left_on__isnull=True).order_by("joined_on", "pk")
    if not remaining.exists():
        return pairing_end(pairing=pairing, reason=Pairing.EndReason.VOLUNTEER_LEFT, on=on, by=by)
    if member.role == PairingMember.Role.LEAD and not remaining.filter(role=PairingMember.Role.LEAD).exists():
        successor = remaining.first()
        successor.role = PairingMember.Role.LEAD
        successor.save(update_fields=["role", "updated_at"])
    return Pairing.objects.get(pk=pairing.pk)


@transaction.atomic
def pairing_end(*, pairing: Pairing, reason: str, on: datetime.date, note: str = "", by=None) -> Pairing:
    """End a pairing with a reason; its current mothers leave on the same day.

    The reason 其他 needs its details in ``note``, except when the pairing ends because its
    child exited (``child_exit`` maps exit reasons without a pairing counterpart to 其他): then
    the child's exit reason is the note.
    """
    if reason not in Pairing.EndReason.values:
        raise ValidationError(_("Unknown end reason: %(reason)s") % {"reason": reason}, code="reason")
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ValidationError(
            _("The end reason details are at most %(limit)d characters.") % {"limit": NOTE_MAX}, code="note"
        )
    pairing = Pairing.objects.select_for_update().select_related("child__region").get(pk=pairing.pk)
    summary.child_changed(pairing.child, on)
    if pairing.ended_on is not None:
        raise ValidationError(_("This pairing has ended."), code="ended")
    if on < pairing.started_on:
        raise ValidationError(
            _("A pairing cannot end before it started (%(started)s).") % {"started": pairing.started_on},
            code="date",
        )
    if reason == Pairing.EndReason.OTHER and not note:
        child = pairing.child
        if child.status != Child.Status.EXITED:
            raise ValidationError(OTHER_NEEDS_NOTE, code="note_required")
        note = gettext("child exited: %(reason)s") % {"reason": child.exit_reason_label()}
    for member in pairing.members.filter(left_on__isnull=True).select_related("volunteer"):
        _close_membership(member, on)
    pairing.ended_on, pairing.end_reason, pairing.end_note = on, reason, note
    pairing.save(update_fields=["ended_on", "end_reason", "end_note", "updated_at"])
    return pairing


@transaction.atomic
def pairing_lead_change(*, member: PairingMember, by=None) -> PairingMember:
    """Make a current mother of an open pairing its lead (主责); the previous lead assists.

    Both memberships keep their history rows (who changed the role, when), and the pairing's
    own history gets a row whose change reason names the old and the new lead.
    """
    member = PairingMember.objects.select_related("volunteer").get(pk=member.pk)
    pairing = Pairing.objects.select_for_update().get(pk=member.pairing_id)
    if not pairing.is_open:
        raise ValidationError(_("This pairing has ended."), code="ended")
    current = list(
        pairing.members.select_for_update(of=("self",)).filter(left_on__isnull=True).select_related("volunteer")
    )
    member = next((m for m in current if m.pk == member.pk), None)
    if member is None:
        raise ValidationError(_("This caring mother has already left this pairing."), code="already_left")
    if member.role == PairingMember.Role.LEAD:
        raise ValidationError(
            _("%(name)s already leads this pairing.") % {"name": member.volunteer.name}, code="already_lead"
        )
    previous = [m for m in current if m.role == PairingMember.Role.LEAD]
    for old in previous:
        old.role = PairingMember.Role.ASSISTING
        _save_with_history(old, ["role", "updated_at"], by=by)
    member.role = PairingMember.Role.LEAD
    _save_with_history(member, ["role", "updated_at"], by=by)
    reason = gettext("lead: %(old)s → %(new)s") % {
        "old": "、".join(m.volunteer.name for m in previous) or "—",
        "new": member.volunteer.name,
    }
    _save_with_history(pairing, ["updated_at"], by=by, reason=reason)
    return member


def _save_with_history(obj, fields, *, by=None, reason=""):
    """Save ``obj`` so its history row names ``by`` (else the request's user) and ``reason``."""
    if by is not None:
        obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]  # simple-history's column is 100 characters
    obj.save(update_fields=fields)


@transaction.atomic
def volunteer_leave(*, volunteer: Volunteer, on: datetime.date, reason: str = "", by=None) -> list[Pairing]:
    """A mother leaves the programme and all her pairings.

    A pairing left with no current mother ends (爱心妈妈退出), so its child shows as unpaired
    and needing a new mother; returns those pairings.
    """
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status == Volunteer.Status.LEFT:
        raise ValidationError(
            _("%(name)s has already left the programme.") % {"name": volunteer.name}, code="already_left"
        )
    volunteer.status, volunteer.left_on, volunteer.left_reason = Volunteer.Status.LEFT, on, reason.strip()[:200]
    volunteer.save(update_fields=["status", "left_on", "left_reason", "updated_at"])
    summary.figures_changed(regions=[volunteer.region_id], since=on)
    orphaned = []
    for member in PairingMember.objects.current().filter(volunteer=volunteer):
        pairing = pairing_member_leave(member=member, on=on, by=by)
        if not pairing.is_open:
            orphaned.append(pairing)
    return orphaned
