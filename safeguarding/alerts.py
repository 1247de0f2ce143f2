"""The 强制报告 badge on every admin page (UNFOLD["ENVIRONMENT"]) and the dashboard panel's rows.

Both are kept per account in the cache for at most ``CACHE_SECONDS`` and forgotten at once
whenever a report that account sees is filed, changed, closed or read (``forget``), so a page
costs no query on a hit and one on a miss. With a cache that is not shared between processes
(locmem under several workers) another process may show the change up to a minute late.
"""

from django.utils.translation import gettext as _

from core import badges

from .models import Alert, ReportStatus

CACHE_SECONDS = 60


def _keys(user_id) -> list[str]:
    return [f"safeguard-badge:{user_id}", f"safeguard-panel:{user_id}"]


def forget(user_ids) -> None:
    badges.forget([key for user_id in set(user_ids) for key in _keys(user_id)])


def cached(user, kind: str, compute):
    key = _keys(user.pk)[0 if kind == "badge" else 1]
    value = badges.get(user.pk, key)
    if value is None:
        value = compute()
        badges.set(user.pk, key, value, CACHE_SECONDS)
    return value


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return cached(
        user,
        "badge",
        lambda: Alert.objects.filter(recipient=user, read_at__isnull=True, report__status=ReportStatus.OPEN).count(),
    )


def environment_callback(request):
    """unfold shows ``[text, type]`` as a label in the header of every admin page."""
    count = unread_count(getattr(request, "user", None))
    if not count:
        return None
    return [_("%(count)d new mandatory report(s)") % {"count": count}, "danger"]
