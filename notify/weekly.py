"""The weekly digest: whose is due now, and sending it once a week (``send_reminders``)."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.scoping import is_mother_account

from .models import Message, MessageKind
from .services import notify, preference_for


def week_start(now) -> datetime.datetime:
    """Monday 00:00 (Asia/Shanghai, the site's time zone) of ``now``'s week."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))


def staff_accounts(region=None):
    """The accounts that get a weekly digest: staff, and caring mothers' own accounts (theirs
    lists their own children, ``notify.digest.digest_for``); ``region``: staff of it and below,
    and mothers serving in it and below."""
    accounts = (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .filter(Q(staff_profile__isnull=False) | Q(mother_account__isnull=False, is_staff=False))
    )
    if region is not None:
        low, high = region.code_range()
        accounts = accounts.filter(
            Q(staff_profile__region__code__gte=low, staff_profile__region__code__lte=high)
            | Q(mother_account__volunteer__region__code__gte=low, mother_account__volunteer__region__code__lte=high)
        )
    return accounts.select_related(
        "staff_profile__region__parent", "mother_account__volunteer__region", "notify_preference"
    ).order_by("username")


def sent_this_week(user, now) -> bool:
    return Message.objects.filter(recipient=user, kind=MessageKind.DIGEST, created_at__gte=week_start(now)).exists()


def is_due(user, now) -> bool:
    """Its weekday, at or after its hour (a run missed at 08:00 still sends at 09:00)."""
    preference, local = preference_for(user), timezone.localtime(now)
    return local.weekday() == preference.digest_weekday and local.hour >= preference.digest_hour


def digest_text(sections, *, with_lines: bool) -> str:
    out = []
    for title, count, lines in sections:
        out.append(f"{title}：{count}")
        if with_lines:
            out += [f"  · {line}" for line in lines]
            if count > len(lines):
                out.append("  · " + _("and %(more)d more") % {"more": count - len(lines)})
    return "\n".join(out)


def digest_send(*, user, now, sections) -> Message | None:
    """Send ``user`` this week's digest unless one was sent already this week."""
    if sent_this_week(user, now):
        return None
    day = timezone.localtime(now).date()
    (message,) = notify(
        users=[user],
        kind=MessageKind.DIGEST,
        title=_("Weekly to-do digest (%(day)s)") % {"day": day.isoformat()},
        body=digest_text(sections, with_lines=True),
        summary=digest_text(sections, with_lines=False),
        link=reverse("mothers:index") if is_mother_account(user) else "/admin/",
    )
    return message
