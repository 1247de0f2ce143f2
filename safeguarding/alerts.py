"""The 强制报告 badge on every admin page (UNFOLD["ENVIRONMENT"]): one COUNT query per page."""

from django.utils.translation import gettext as _

from .models import Alert, ReportStatus


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Alert.objects.filter(recipient=user, read_at__isnull=True, report__status=ReportStatus.OPEN).count()


def environment_callback(request):
    """unfold shows ``[text, type]`` as a label in the header of every admin page."""
    count = unread_count(getattr(request, "user", None))
    if not count:
        return None
    return [_("%(count)d new mandatory report(s)") % {"count": count}, "danger"]
