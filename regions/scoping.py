"""The one path by which rows are limited to what an account may see.

Every scoped model's QuerySet inherits ``ScopedQuerySet`` and names the path from the model
to its region; admin classes, imports, exports, the dashboard and commands all call
``for_user``. A region covers itself and everything below it; because statistical codes are
fixed-width digit strings, "below" is a range of codes, which the unique index on
``Region.code`` serves on PostgreSQL and SQLite alike.

A caring mother's own account (role ``mother``, ``volunteers.MotherAccount``) has no region:
``user_scope`` gives it nothing, and ``for_user`` gives it the rows of the children she is
paired with *now* (a current member of their open pairing, and her volunteer record active),
computed on every request, so ending the pairing, her membership or her service ends her
access at once. Each model says how it reaches those children (``child_path``) or, by
default, that a mother sees none of its rows (regions, registers of other people, jobs,
ledgers, the audit log…).
"""

from django.apps import apps
from django.db import models


def user_region(user):
    """The region a staff account is assigned to, or None."""
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.region if profile is not None else None


#: ``user_scope`` of an account that sees every row (a superuser).
ALL = "all"


def _mother_account(user):
    # A mother's account is never staff (volunteers.services.mother_account_grant): staff
    # accounts are told apart without a query.
    if user is None or not user.is_authenticated or user.is_staff:
        return None
    try:
        return user.mother_account
    except apps.get_model("volunteers", "MotherAccount").DoesNotExist:
        return None


def is_mother_account(user) -> bool:
    """Whether ``user`` is a caring mother's own account (whether or not it may see anything now)."""
    return _mother_account(user) is not None


def user_mother(user):
    """The caring mother (``volunteers.Volunteer``) a signed-in mother account acts as, or None:
    not a mother account, the account switched off, or her service paused or ended."""
    account = _mother_account(user)
    if account is None or not user.is_active or user.is_superuser:
        return None
    volunteer = account.volunteer
    return volunteer if volunteer.status == volunteer.Status.ACTIVE else None


def paired_child_ids(mother):
    """The children ``mother`` is paired with now: she is a current member of their open pairing.

    A subquery (``pk__in=``), evaluated with the query that uses it: never cached.
    """
    member = apps.get_model("pairing", "PairingMember")
    return member._base_manager.filter(
        volunteer=mother,
        left_on__isnull=True,
        pairing__ended_on__isnull=True,
        pairing__child__status="active",
    ).values("pairing__child_id")


def user_scope(user):
    """What ``for_user`` gives ``user``: ``ALL`` (a superuser, whatever region the profile
    names), None (no region: not signed in, inactive, no region, or a caring mother's account,
    whose rows ``ScopedQuerySet.for_mother`` gives), or the region it covers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if is_mother_account(user):
        return None
    if user.is_superuser:
        return ALL
    return user_region(user)


def scope_covers_level(user, level) -> bool:
    """Whether ``user``'s scope is ``level`` or wider (every row counts as the widest): the one
    test behind "county admins and above" (closing months, 督办, the checklist, 强制报告)."""
    scope = user_scope(user)
    return scope is ALL or (scope is not None and scope.level <= level)


def scope_key(user) -> str:
    """Names ``user_scope``: "all", "none" or the region's code. Accounts with the same key see
    the same rows, so figures computed for one may be shared with the others (the dashboard's
    cache)."""
    scope = user_scope(user)
    return "none" if scope is None else (ALL if scope is ALL else scope.code)


class ScopedQuerySet(models.QuerySet):
    #: Lookup path from this model to its ``regions.Region``; "" for Region itself.
    region_path = "region"
    #: Lookup path from this model to the ``children.Child`` whose current caring mother may see
    #: the row ("" for Child itself); None: a mother's account sees none of these rows.
    child_path = None

    def _code_field(self):
        return f"{self.region_path}__code" if self.region_path else "code"

    def in_region(self, region):
        low, high = region.code_range()
        field = self._code_field()
        return self.filter(**{f"{field}__gte": low, f"{field}__lte": high})

    def for_mother(self, mother):
        """The rows ``mother`` (a Volunteer) may see through her own account: those of the
        children she is paired with now. Models that narrow it further (only her own visits,
        only herself among the mothers) override this and call it."""
        if self.child_path is None:
            return self.none()
        field = f"{self.child_path}__pk__in" if self.child_path else "pk__in"
        return self.filter(**{field: paired_child_ids(mother)})

    def for_user(self, user):
        scope = user_scope(user)
        if scope is None:
            mother = user_mother(user)
            return self.none() if mother is None else self.for_mother(mother)
        if scope is ALL:
            return self.all()
        return self.in_region(scope)
