"""The unread count in the header of every admin page, beside the 强制报告 badge.

Cached per account like the badge (``safeguarding.alerts``) and forgotten when a message is
written or read, so a page costs no query on a hit and one on a miss.
"""

from django.core.cache import cache
from django.utils.translation import gettext as _

from safeguarding.alerts import environment_callback as safeguarding_label

from .models import Message

CACHE_SECONDS = 60


def _key(user_id) -> str:
    return f"notify-unread:{user_id}"


def forget(user_ids) -> None:
    cache.delete_many([_key(user_id) for user_id in set(user_ids)])


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    count = cache.get(_key(user.pk))
    if count is None:
        count = Message.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(_key(user.pk), count, CACHE_SECONDS)
    return count


def environment_callback(request):
    """unfold's header label: the 强制报告 badge if any, and the unread messages."""
    label = safeguarding_label(request)
    count = unread_count(getattr(request, "user", None))
    if not count:
        return label
    unread = _("%(count)d unread message(s)") % {"count": count}
    if label:
        return [f"{label[0]} · {unread}", label[1]]
    return [unread, "primary"]


def account_link_title(request):
    count = unread_count(getattr(request, "user", None))
    return _("My messages (%(count)d unread)") % {"count": count} if count else _("My messages")


def inbox_url(request):
    from django.urls import reverse

    return reverse("admin:notify_message_inbox")
