"""What an account's weekly digest says: a few sections, each a count and its first lines.

One query per section, each through the one scoping path (``for_user``); a window count gives
the total beside the first rows. The needs and referrals are the 待办 page's lists
(``todo.lists``): the digest and the page never disagree on what is awaited.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from todo import lists

#: lines shown under each section's count
FIRST_LINES = 5


def _counted(queryset, line, first=FIRST_LINES) -> tuple[int, list[str]]:
    rows, total = lists.first_rows(queryset, first)  # the first rows and the total, one query
    return total, [line(row) for row in rows]


def overdue_children(user, today):
    from children.models import Child

    def line(child):
        if child.last_contact is None:
            return _("%(name)s (never visited)") % {"name": child.name}
        return _("%(name)s (%(days)d days overdue)") % {"name": child.name, "days": child.days_overdue}

    rows = Child.objects.for_user(user).overdue(today=today).order_by("-days_overdue", "name").only("name")
    return (_("Children overdue for a visit"), *_counted(rows, line))


def needs_past_due(user, today):
    rows = lists.needs_past_due(user, today).only("kind", "due_on", "child__name")
    return (
        _("Open needs past their due date"),
        *_counted(rows, lambda n: f"{n.child.name}：{n.get_kind_display()}（{n.due_on:%Y-%m-%d}）"),
    )


def referrals_awaiting_reply(user, today):
    rows = lists.referrals_awaiting(user, today).only("referred_on", "due_on", "need__child__name", "department__name")
    return (
        _("Referrals awaiting the department's reply"),
        *_counted(rows, lambda r: f"{r.need.child.name} → {r.department.name}（{r.referred_on:%Y-%m-%d}）"),
    )


def open_mandatory_reports(user, today):
    from safeguarding.models import MandatoryReport

    rows = (
        MandatoryReport.objects.for_user(user)
        .open()
        .select_related("child")
        .only("kind", "reported_at", "child__name")
        .order_by("reported_at", "pk")
    )
    return (
        _("Open mandatory reports"),
        *_counted(rows, lambda r: f"{r.child.name}：{r.get_kind_display()}（{timezone.localdate(r.reported_at)}）"),
    )


def digest_for(user, *, today=None) -> list[tuple[str, int, list[str]]]:
    """(section title, count, first lines) for ``user``; the 强制报告 section for county admins only.
    A caring mother's own account gets one section: her children overdue (``for_user`` gives her
    only the children she is paired with now; needs and referrals are the staff's)."""
    from regions.scoping import is_mother_account
    from safeguarding.models import receives_reports

    today = today or timezone.localdate()
    if is_mother_account(user):
        return [overdue_children(user, today)]
    sections = [overdue_children, needs_past_due, referrals_awaiting_reply]
    if receives_reports(user):
        sections.append(open_mandatory_reports)
    return [section(user, today) for section in sections]
