"""The one path by which rows are limited to what a staff account may see.

Every scoped model's QuerySet inherits ``ScopedQuerySet`` and names the path from the model
to its region; admin classes, imports, exports, the dashboard and commands all call
``for_user``. A region covers itself and everything below it; because statistical codes are
fixed-width digit strings, "below" is a range of codes, which the unique index on
``Region.code`` serves on PostgreSQL and SQLite alike.
"""

from django.db import models


def user_region(user):
    """The region a staff account is assigned to, or None."""
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.region if profile is not None else None


#: ``user_scope`` of an account that sees every row (a superuser).
ALL = "all"


def user_scope(user):
    """What ``for_user`` gives ``user``: ``ALL`` (a superuser, whatever region the profile
    names), None (nothing: not signed in, inactive, or no region), or the region it covers."""
    if user is None or not user.is_authenticated or not user.is_active:
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

    def _code_field(self):
        return f"{self.region_path}__code" if self.region_path else "code"

    def in_region(self, region):
        low, high = region.code_range()
        field = self._code_field()
        return self.filter(**{f"{field}__gte": low, f"{field}__lte": high})

    def for_user(self, user):
        scope = user_scope(user)
        if scope is None:
            return self.none()
        if scope is ALL:
            return self.all()
        return self.in_region(scope)
