"""Writes of the mothers' register that are not pairings (those are pairing.services), and the
mothers' own accounts."""

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from reports import summary

from .models import MotherAccount, Training, Volunteer


def training_correction(*, training: Training, reason: str, by=None) -> None:
    """A training dated in (or moved out of) a closed month is a correction, as an activity is:
    it is on that month's 培训台账."""
    from closing.services import corrections_record

    places = {(training.region, training.held_on)}
    if training.pk is not None:
        places |= {
            (old.region, old.held_on) for old in Training.objects.filter(pk=training.pk).select_related("region")
        }
    corrections_record(
        places=places,
        record=f"{training.title} {training.held_on:%Y-%m-%d}",
        change=_("training added") if training.pk is None else _("training changed"),
        reason=reason,
        by=by,
    )


@transaction.atomic
def training_save(*, training: Training, attendees=None, correction_reason: str = "", by=None) -> Training:
    """Save a new or changed training with its attendees (None: leave them as they are)."""
    training.full_clean(exclude=["attendees"])
    training_correction(training=training, reason=correction_reason, by=by)
    summary.row_changed(Training, training, "held_on")
    training.save()
    if attendees is not None:
        training.attendees.set(list(attendees))
    return training


def may_grant_mother_account(by, volunteer: Volunteer) -> bool:
    """The operator (``by=None``) and superusers for any mother; an account that may create
    staff accounts (``regions.manage_staff``: county admins) for the mothers in its scope."""
    if by is None or (by.is_active and by.is_superuser):
        return True
    return by.has_perm("regions.manage_staff") and Volunteer.objects.for_user(by).filter(pk=volunteer.pk).exists()


@sensitive_variables("password")
def mother_account_grant(*, volunteer: Volunteer, username: str = "", by=None) -> tuple[User, str]:
    """Give a caring mother her own account (role ``mother``) and return it with its one-time
    password, to be shown once; she sets her own at the first login.

    The username is her phone number unless another is given. The account is no staff account
    (``is_staff`` off: the admin refuses it) and holds no permission; what she sees follows from
    her open pairings on every request (``regions.scoping``). Raises ``ValidationError`` with a
    message for the person; nothing is written then.
    """
    from notify.services import preference_save
    from regions.accounts import one_time_password

    if not may_grant_mother_account(by, volunteer):
        raise ValidationError(_("You may not give this caring mother an account."))
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise ValidationError(_("Only a caring mother in service can be given an account."))
    if MotherAccount.objects.filter(volunteer=volunteer).exists():
        raise ValidationError(_("This caring mother already has an account."))
    username = (username or volunteer.phone or "").strip()
    try:
        User.username_validator(username)
    except ValidationError:
        raise ValidationError(_("A username has letters, digits and @ . + - _ only.")) from None
    group = Group.objects.filter(name="mother").first()
    if group is None:
        raise ValidationError(_("The role %(role)s does not exist; run migrate first.") % {"role": "mother"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The account %(username)s already exists.") % {"username": username})
    password = one_time_password()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, is_staff=False, first_name=volunteer.name
            )
            user.groups.add(group)
            account = MotherAccount(user=user, volunteer=volunteer, must_change_password=True, created_by=by)
            account._history_user = by
            account._change_reason = _("Account created with a one-time password")
            account.save()
            # Her reminders by SMS to her own phone (she rarely has a work email); she may change it.
            preference_save(user=user, email=False, sms=True, phone=volunteer.phone, digest_weekday=0, digest_hour=8)
    except IntegrityError:
        raise ValidationError(_("The account %(username)s already exists.") % {"username": username}) from None
    return user, password
