"""Read side of casework: the dashboard's counts and the profile's section."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from children.models import CardColour, Child
from regions.models import Level
from regions.scoping import ALL, scope_key, user_scope

from .models import OPEN_REFERRAL_STATUSES, Need, Referral, Supervision, SupervisionStatus


def red_without_plan(user):
    """Active children with a red card and no open need: the ones without a help plan."""
    open_need = Need.objects.open().filter(child=OuterRef("pk"))
    return (
        Child.objects.for_user(user)
        .filter(status=Child.Status.ACTIVE, card_colour=CardColour.RED)
        .exclude(Exists(open_need))
    )


def _count_sql(queryset):
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    # Django compiled ``sql`` with placeholders; its values are in ``params``.
    return f"(SELECT COUNT(*) FROM ({sql}) AS counted)", params  # noqa: S608


def _counts(user) -> dict:
    """One query whatever the region's size: each count is a sub-select of one SELECT."""
    today = timezone.localdate()
    referrals = Referral.objects.for_user(user).filter(status__in=OPEN_REFERRAL_STATUSES)
    supervisions = Supervision.objects.for_user(user).filter(status=SupervisionStatus.OPEN)
    parts = {
        "red_without_plan": red_without_plan(user),
        "open_referrals": referrals,
        "overdue_referrals": referrals.filter(due_on__lt=today),
        "open_supervisions": supervisions,
        "overdue_supervisions": supervisions.filter(reply_by__lt=today),
    }
    if user_scope(user) is None:
        return dict.fromkeys(parts, 0)
    selects, params = [], []
    for queryset in parts.values():
        sql, more = _count_sql(queryset)
        selects.append(sql)
        params.extend(more)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return dict(zip(parts, cursor.fetchone(), strict=True))


def dashboard_counts(user) -> dict:
    """The dashboard's 一人一案 cards. A township's are counted on every visit (one query); a
    county's or wider are shared through the cache like the dashboard's other figures."""
    scope = user_scope(user)
    if scope is None or scope is ALL or scope.level < Level.TOWNSHIP:
        key = f"casework:dashboard:{scope_key(user)}:{timezone.localdate():%Y%m%d}"
        counts = cache.get(key)
        if counts is None:
            counts = _counts(user)
            cache.set(key, counts, settings.DASHBOARD_CACHE_SECONDS)
    else:
        counts = _counts(user)
    changelist = "admin:casework_{}_changelist".format
    return {
        "casework": {
            **counts,
            "links": {
                "referrals": f"{reverse(changelist('referral'))}?status__in=sent,accepted",
                "overdue_referrals": f"{reverse(changelist('referral'))}?overdue=1",
                "supervisions": f"{reverse(changelist('supervision'))}?status__exact=open",
                "needs": reverse(changelist("need")),
                "red_without_plan": reverse("admin:casework_need_red_without_plan"),
            },
        }
    }


def profile_section(user, child) -> dict:
    """The profile's 需求与帮扶 section: open needs with their referrals (two queries)."""
    needs = list(
        Need.objects.for_user(user)
        .filter(child=child)
        .open()
        .select_related("volunteer", "team", "department")
        .prefetch_related("referrals__department")
        .order_by("due_on", "id")
    )
    return {
        "case_needs": needs,
        "case_can_add": user.has_perm("casework.add_need"),
        "case_can_refer": user.has_perm("casework.add_referral"),
    }
