"""待办: what a township's staff have to do next, and the county's share of it on the dashboard.

Each list is a queryset built through ``for_user`` (nothing here widens a scope) and read once:
its first ``LIMIT`` rows with the total beside them (a window count, so one query per list
whatever its length, and none per row). ``counts`` runs every list's count in one SELECT for the
sidebar's badge, kept per account for ``BADGE_SECONDS``.

Proposals (issue 15, item 4): a township's staff see the proposals returned to them (until they
withdraw them or propose again); the county's panel lists the proposals it is to decide.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from casework.models import Need, Referral
from children.filters import DUE_SOON_DAYS, AgeLimitFilter, VisitStatusFilter
from children.models import (
    AGE_LIMIT,
    AGE_LIMITS_BY_CATEGORY,
    COLOUR_RANK,
    OVERDUE,
    Child,
    never_visited,
    next_due_within,
    schedule_is_stored,
)
from closing.models import MonthClose, MonthState
from core import badges
from pairing.models import PairingMember
from proposals.models import Kind, Proposal, State
from regions.models import Level, Region
from regions.scoping import scope_covers_level, user_scope

#: Rows shown per list; the heading gives the total.
LIMIT = 50
OVERDUE_FILTER = f"{VisitStatusFilter.parameter_name}={VisitStatusFilter.OVERDUE}"
#: The sidebar's count is kept this long per account (the page itself is always counted afresh).
BADGE_SECONDS = 60


def is_township_staff(user) -> bool:
    """Township staff: an account working in one township that records visits (not a viewer)."""
    scope = user_scope(user)
    return isinstance(scope, Region) and scope.level == Level.TOWNSHIP and user.has_perm("activities.add_visit")


# --- the lists, as querysets ------------------------------------------------------------------


def visits_due(user, today):
    """Active children overdue (never visited counts) or due within ``DUE_SOON_DAYS`` days: the
    overdue first, red cards first among them (as the phone's overdue list), then the longest overdue."""
    if schedule_is_stored(today):  # on the stored last visit: index ranges (next_due_within)
        due = never_visited() | next_due_within(None, today + datetime.timedelta(days=DUE_SOON_DAYS))
    else:
        due = OVERDUE | Q(days_overdue__gte=-DUE_SOON_DAYS)
    return (
        Child.objects.for_user(user)
        .active()
        .with_visit_schedule(today=today)
        .filter(due)
        .annotate(
            todo_overdue=Case(When(OVERDUE, then=Value(0)), default=Value(1)),
            colour_rank=COLOUR_RANK,
        )
        .select_related("region")
        .order_by("todo_overdue", "colour_rank", "-days_overdue", "name", "pk")
    )


def needs_past_due(user, today):
    """Open needs (待办、进行中、已转介) whose due date has passed."""
    return Need.objects.for_user(user).open().filter(due_on__lt=today).select_related("child").order_by("due_on", "pk")


def referrals_awaiting(user, today):
    """Referrals the department has not closed (已发出、已受理): its reply is awaited."""
    return (
        Referral.objects.for_user(user)
        .open()
        .select_related("need__child", "department")
        .order_by(F("due_on").asc(nulls_last=True), "referred_on", "pk")
    )


def mothers_without_contact(user, today):
    """Current pairing members whose last visit to their child is ``pairing.models.NO_CONTACT_DAYS`` days or more
    ago, or who have made none since joining that long ago (``PairingMemberQuerySet.without_contact``,
    the definition the mothers' list filter 30天未联系 shares)."""
    return (
        PairingMember.objects.for_user(user)
        .without_contact(today=today)
        .select_related("volunteer", "pairing__child")
        .order_by(F("last_contact").asc(nulls_first=True), "joined_on", "pk")
    )


def reaching_age_limit(user, today):
    """Active children who reach their age limit within 60 days (as the children list's 到龄 filter)."""
    return (
        Child.objects.for_user(user)
        .active()
        .reaching_age_limit(within_days=AgeLimitFilter.SOON_DAYS, on=today)
        .select_related("region", "category")
        .order_by("birth_date", "pk")
    )


def months_returned(user, today):
    """Months the county returned to the township: to be corrected and submitted again."""
    if not user.has_perm("closing.submit_month"):
        return MonthClose.objects.none()
    return MonthClose.objects.for_user(user).filter(state=MonthState.RETURNED).select_related("region")


def months_to_review(user, today=None):
    """Months townships submitted that wait for the county's review (审核/锁定 or 退回)."""
    if not user.has_perm("closing.close_month") or not scope_covers_level(user, Level.COUNTY):
        return MonthClose.objects.none()
    return (
        MonthClose.objects.for_user(user)
        .filter(state=MonthState.SUBMITTED)
        .select_related("region")
        .order_by("month", "region__code")
    )


def proposals_returned(user, today):
    """The account's own proposals the county returned, with its reason: to withdraw or redo."""
    return (
        Proposal.objects.for_user(user)
        .filter(proposer=user, state=State.RETURNED)
        .select_related("region", "decided_by")
        .order_by("-decided_at", "-pk")
    )


def proposals_to_decide(user, today=None):
    """Pending proposals the county admin decides (``proposals.services.may_decide``): in its area
    (a transfer: its receiving village), not its own."""
    if not user.has_perm("proposals.approve_proposal") or not scope_covers_level(user, Level.COUNTY):
        return Proposal.objects.none()
    pending = Proposal.objects.for_user(user).pending().exclude(proposer=user)
    scope = user_scope(user)
    if isinstance(scope, Region):
        low, high = scope.code_range()
        deciding = Q(to_region__code__gte=low, to_region__code__lte=high)
        pending = pending.filter(~Q(kind=Kind.TRANSFER) | deciding)
    return pending.select_related("region", "proposer").order_by("created_at", "pk")


@dataclass
class Section:
    key: str
    title: str
    rows: list = field(default_factory=list)
    total: int = 0


#: The township's lists, in the order of the page.
SECTIONS = [
    ("visits", _("Due within 7 days or overdue"), visits_due),
    ("needs", _("Needs past their due date"), needs_past_due),
    ("referrals", _("Referrals awaiting a reply"), referrals_awaiting),
    ("mothers", _("Caring mothers without contact for 30 days"), mothers_without_contact),
    ("age_limit", _("Reaching the age limit within 60 days"), reaching_age_limit),
    ("months", _("Months returned by the county"), months_returned),
    ("proposals", _("Proposals returned to you"), proposals_returned),
]


def first_rows(queryset, limit: int = LIMIT) -> tuple[list, int]:
    """The first ``limit`` rows and how many there are in all, in one query."""
    rows = list(queryset.annotate(todo_total=Window(Count("pk")))[:limit])
    return rows, (rows[0].todo_total if rows else 0)


def sections(user, *, today: datetime.date) -> list[Section]:
    out = []
    for key, title, build in SECTIONS:
        rows, total = first_rows(build(user, today))
        out.append(Section(key=key, title=title, rows=[_row(key, r, user, today) for r in rows], total=total))
    return out


def _row(key: str, obj, user, today: datetime.date) -> dict:
    """What the template shows of a row, and where its action leads."""
    if key == "visits":
        return {"obj": obj, "child": obj, "visit_url": _visit_url(obj, user)}
    if key == "needs":
        return {"obj": obj, "child": obj.child, "url": reverse("admin:casework_need_change", args=[obj.pk])}
    if key == "referrals":
        return {"obj": obj, "child": obj.need.child, "url": reverse("admin:casework_referral_change", args=[obj.pk])}
    if key == "mothers":
        child = obj.pairing.child
        days = (today - obj.last_contact).days if obj.last_contact else None
        return {"obj": obj, "child": child, "days": days, "visit_url": _visit_url(child, user)}
    if key == "age_limit":
        return {
            "obj": obj,
            "child": obj,
            "limit_month": limit_month(obj),
            "url": reverse("admin:children_child_change", args=[obj.pk]),
            "exit_url": _exit_url(obj, user),
        }
    if key == "proposals":
        return {"obj": obj, "url": reverse("proposals:mine")}
    return {"obj": obj, "url": f"{reverse('admin:index')}?month={obj.month:%Y-%m}"}


def _visit_url(child, user) -> str | None:
    if not user.has_perm("activities.add_visit"):
        return None
    return f"{reverse('activities:visit_entry')}?child={child.pk}"


def _exit_url(child, user) -> str | None:
    """到龄 → the exit proposal for the child (the township cannot exit a child itself)."""
    if not user.has_perm("proposals.add_proposal"):
        return None
    return f"{reverse('proposals:propose', args=[Kind.EXIT])}?child={child.pk}"


def limit_month(child) -> datetime.date:
    """The month the child reaches its age limit (by month, as ``children.models.age_limit_cutoff``)."""
    years = next(
        (limit for part, limit in AGE_LIMITS_BY_CATEGORY.items() if part in (child.category.name or "")), AGE_LIMIT
    )
    return datetime.date(child.birth_date.year + years, child.birth_date.month, 1)


# --- the badge -------------------------------------------------------------------------------


def _count_sql(queryset):
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return f"(SELECT COUNT(*) FROM ({sql}) AS counted)", params  # noqa: S608 - Django's own SQL


def counts(user, *, today: datetime.date) -> dict[str, int]:
    """Every list's total in one query."""
    if user_scope(user) is None:
        return {key: 0 for key, _title, _build in SECTIONS}
    selects, params = [], []
    for _key, _title, build in SECTIONS:
        queryset = build(user, today)
        if queryset.query.is_empty():
            selects.append("0")
            continue
        sql, more = _count_sql(queryset)
        selects.append(sql)
        params.extend(more)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return dict(zip([key for key, _title, _build in SECTIONS], cursor.fetchone(), strict=True))


def _badge_key(user) -> str:
    return f"todo-badge:{user.pk}"


def badge_count(user, *, today: datetime.date) -> int:
    """The sidebar's 待办 count: the page's total, kept ``BADGE_SECONDS`` per account."""
    total = badges.get(user.pk, _badge_key(user))
    if total is None:
        total = sum(counts(user, today=today).values())
        badges.set(user.pk, _badge_key(user), total, BADGE_SECONDS)
    return total


def remember_badge(user, total: int) -> None:
    """The page has just counted everything: the sidebar shows the same number."""
    badges.set(user.pk, _badge_key(user), total, BADGE_SECONDS)


# --- the county's panel on the dashboard ---------------------------------------------------------


def county_panel(user, *, township_rows, level, safeguard) -> dict | None:
    """The dashboard's 待办 panel for a county admin (or wider): the townships with overdue children
    (from the breakdown the dashboard already has), the months awaiting review and the proposals
    to decide (one query each) and the open 强制报告 (the dashboard's own count). None for a
    township or a viewer."""
    if not scope_covers_level(user, Level.COUNTY) or not user.has_perm("closing.close_month"):
        return None
    months, months_total = first_rows(months_to_review(user), limit=20)
    proposals, proposals_total = first_rows(proposals_to_decide(user), limit=20)
    overdue = sorted(
        ((row, f"{url}&{OVERDUE_FILTER}" if url else None) for row, url in township_rows if row.overdue),
        key=lambda pair: (-pair[0].overdue, pair[0].code),
    )
    return {
        "level": level,
        "overdue": overdue,
        "overdue_total": sum(row.overdue for row, _url in overdue),
        "months": [{"close": m, "url": f"{reverse('admin:index')}?month={m.month:%Y-%m}"} for m in months],
        "months_total": months_total,
        "proposals": [
            {"proposal": p, "url": reverse("admin:proposals_proposal_change", args=[p.pk])} for p in proposals
        ],
        "proposals_total": proposals_total,
        "proposals_url": f"{reverse('admin:proposals_proposal_changelist')}?state__exact={State.PENDING}",
        "safeguard_shown": safeguard.get("shown", False),
        "safeguard_open": safeguard.get("open_count", 0),
        "safeguard_url": safeguard.get("list_url", ""),
    }
