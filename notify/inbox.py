"""The unread count in the header of every admin page, beside the 强制报告 badge.

Cached per account like the badge (``safeguarding.alerts``) and forgotten when a message is
written or read, so a page costs no query on a hit and one on a miss.
"""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core import badges
from safeguarding.alerts import cached as safeguarding_cached
from safeguarding.alerts import environment_callback as safeguarding_label

from .models import Message

CACHE_SECONDS = 60


def _key(user_id) -> str:
    return f"notify-unread:{user_id}"


def forget(user_ids) -> None:
    badges.forget([_key(user_id) for user_id in set(user_ids)])


def unread_count(user) -> int:
    """Unread messages; on a miss the 强制报告 badge's count comes in the same query and is cached
    for ``safeguarding.alerts`` too, so the header costs one query as it did before."""
    if user is None or not user.is_authenticated:
        return 0
    count = badges.get(user.pk, _key(user.pk))
    if count is None:
        count, reports = _both_counts(user)
        badges.set(user.pk, _key(user.pk), count, CACHE_SECONDS)
        safeguarding_cached(user, "badge", lambda: reports)
    return count


def _both_counts(user) -> tuple[int, int]:
    from django.contrib.auth import get_user_model

    from safeguarding.models import Alert, ReportStatus

    def count_of(rows):
        counted = rows.order_by().values("recipient").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    messages = Message.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
    alerts = Alert.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True, report__status=ReportStatus.OPEN)
    row = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .annotate(unread=count_of(messages), reports=count_of(alerts))
        .values_list("unread", "reports")
        .first()
    )
    return row or (0, 0)


def _request_count(request) -> int:
    """``unread_count`` once per request: the header's label and the account menu both ask."""
    count = getattr(request, "_notify_unread", None)
    if count is None:
        count = request._notify_unread = unread_count(getattr(request, "user", None))
    return count


def environment_callback(request):
    """unfold's header label: the 强制报告 badge if any, and the unread messages."""
    count = _request_count(request)
    label = safeguarding_label(request)
    if not count:
        return label
    unread = _("%(count)d unread message(s)") % {"count": count}
    if label:
        return [f"{label[0]} · {unread}", label[1]]
    return [unread, "primary"]


def account_link_title(request):
    count = _request_count(request)
    return _("My messages (%(count)d unread)") % {"count": count} if count else _("My messages")


def inbox_url(request):
    from django.urls import reverse

    return reverse("admin:notify_message_inbox")
