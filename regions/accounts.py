"""Staff accounts: the one path by which they are created and given a one-time password.

``manage.py create_staff`` (an operator, ``by=None``), a superuser and a county admin in the
browser all call these functions. The rules:

- the operator and superusers may give any role in any region;
- any other account needs ``regions.manage_staff`` and may give only the roles below its own
  (``GRANTS``: a county admin gives township and viewer accounts) in regions inside its own scope
  (``Region.objects.for_user``). An admin cannot make admins: two admins of one county could
  otherwise reset each other's passwords and sign in as each other;
- the same rules decide whose password it may reset (``manageable_profiles``): never its own,
  a superuser's, or an account holding a role or permission it may not give.

The password is made here, returned once to be shown once, and never stored in clear: only
Django's hash is saved; the caller must not log or keep it.
"""

import secrets

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.debug import sensitive_variables

from .models import Level, Region, StaffProfile
from .roles import ROLES
from .scoping import user_scope

#: Role of the acting account → the roles it may give (and whose passwords it may reset).
GRANTS = {"admin": ("township", "viewer")}
#: The order roles are offered in.
ROLE_ORDER = ["township", "viewer", "admin"]
#: No 0/O, 1/l/I: read off a screen and typed on a phone.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 14


def one_time_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _operator_or_superuser(by) -> bool:
    return by is None or (by.is_active and by.is_superuser)


def grantable_roles(by) -> list[str]:
    """The roles ``by`` may give, in ``ROLE_ORDER``; empty when it may manage no accounts."""
    if _operator_or_superuser(by):
        return [role for role in ROLE_ORDER if role in ROLES]
    if user_scope(by) is None or not by.has_perm("regions.manage_staff"):
        return []
    # Asked on every admin page (the app list asks has_add_permission): read the groups once
    # per request, as Django's backend keeps the permissions it read on the user object.
    own = getattr(by, "_staff_group_names", None)
    if own is None:
        own = by._staff_group_names = frozenset(by.groups.values_list("name", flat=True))
    given = {role for name in own for role in GRANTS.get(name, ())}
    return [role for role in ROLE_ORDER if role in given]


def assignable_regions(by):
    """The regions ``by`` may place a new account in (its own region and below)."""
    if by is None:
        return Region.objects.all()
    return Region.objects.for_user(by)


def manageable_profiles(by):
    """Staff profiles whose password ``by`` may reset: in scope, holding only roles it may give."""
    if _operator_or_superuser(by):
        return StaffProfile.objects.all()
    roles = grantable_roles(by)
    if not roles:
        return StaffProfile.objects.none()
    return (
        StaffProfile.objects.for_user(by)
        .exclude(user=by)
        .exclude(user__is_superuser=True)
        .exclude(user__user_permissions__isnull=False)
        .exclude(user__groups__in=Group.objects.exclude(name__in=roles))
    )


def _level_fits(role: str, region: Region) -> bool:
    """Township staff work in one township (a county-wide "township" account would see every
    guardian's phone in the county); admins run a county or wider; viewers read any area."""
    if role == "township":
        return region.level == Level.TOWNSHIP
    if role == "admin":
        return region.level <= Level.COUNTY
    return region.level <= Level.TOWNSHIP


ROLE_LEVEL_MESSAGES = {
    "township": _lazy("A township staff account belongs to a township."),
    "admin": _lazy("An admin account belongs to a county or a wider region."),
    "viewer": _lazy("A viewer account belongs to a township or a wider region."),
}


def _refuse(message):
    raise ValidationError(message)


def _check_grant(*, by, role: str, region: Region) -> Group:
    if role not in ROLES:
        _refuse(_("There is no role %(role)s.") % {"role": role})
    if role not in grantable_roles(by):
        _refuse(_("You may not give the role %(role)s.") % {"role": role})
    if region is None or not assignable_regions(by).filter(pk=region.pk).exists():
        _refuse(_("You may only place accounts in your own region or below it."))
    if not _level_fits(role, region):
        _refuse(ROLE_LEVEL_MESSAGES[role])
    group = Group.objects.filter(name=role).first()
    if group is None:
        _refuse(_("The role %(role)s does not exist; run migrate first.") % {"role": role})
    return group


@sensitive_variables("password")
def staff_create(*, username: str, region: Region, role: str, name: str = "", by=None) -> tuple[User, str]:
    """Create a staff account and return it with its one-time password (to be shown once).

    The account must change the password at its first login (``MustChangePasswordMiddleware``).
    Raises ``ValidationError`` with a message for the person; nothing is written then.
    """
    username = (username or "").strip()
    name = (name or "").strip()
    if not username:
        _refuse(_("The username is empty."))
    try:
        User.username_validator(username)
    except ValidationError:
        _refuse(_("A username has letters, digits and @ . + - _ only."))
    if len(username) > User._meta.get_field("username").max_length:
        _refuse(_("The username is too long."))
    group = _check_grant(by=by, role=role, region=region)
    if User.objects.filter(username__iexact=username).exists():
        _refuse(_("The account %(username)s already exists.") % {"username": username})
    password = one_time_password()
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, is_staff=True, first_name=name)
            user.groups.add(group)
            profile = StaffProfile(user=user, region=region, must_change_password=True)
            profile._history_user = by
            profile._change_reason = _("Account created with a one-time password")
            profile.save()
    except IntegrityError:
        _refuse(_("The account %(username)s already exists.") % {"username": username})
    return user, password


@sensitive_variables("password")
def staff_password_reset(*, profile: StaffProfile, by=None) -> str:
    """Give the account a new one-time password, to be changed at its next login.

    Its other sessions end (Django checks the password hash on every request).
    """
    with transaction.atomic():
        locked = manageable_profiles(by).select_for_update(of=("self",)).filter(pk=profile.pk).first()
        if locked is None:
            _refuse(_("You may not reset this account's password."))
        password = one_time_password()
        user = locked.user
        user.set_password(password)
        user.save(update_fields=["password"])
        locked.must_change_password = True
        locked._history_user = by
        locked._change_reason = _("One-time password reset")
        locked.save()
    return password


def role_names(user) -> list[str]:
    return [group.name for group in user.groups.all()]
