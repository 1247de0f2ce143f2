"""Every write of a message, a delivery or a setting (the alerts, the weekly digest, the admin).

``notify`` writes the in-app message of each account and a ``Delivery`` for every other channel
it has on, then, after the commit, hands them to the job worker (``deliver_pending``); what the
worker does not get to — it is down, a send failed — ``retry_due`` (run by ``send_reminders``)
tries again: after 1, 5, 30 and 120 minutes, then the delivery is failed, with its error, in
the admin and on the county admins' message page. Nothing is dropped silently.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .channels import SendFailed, SendSkipped, send_email, send_sms, send_webhook
from .inbox import forget
from .models import Channel, Delivery, DeliveryStatus, Message, MessageKind, Preference, RobotHook

logger = logging.getLogger(__name__)

#: minutes to wait after the 1st, 2nd… failed attempt; after the last one the delivery is failed
RETRY_MINUTES = (1, 5, 30, 120)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1


def preference_for(user) -> Preference:
    """The account's settings, unsaved defaults when it has none yet (nothing is written)."""
    try:
        return user.notify_preference
    except Preference.DoesNotExist:
        return Preference(user=user)


@transaction.atomic
def preference_save(*, user, email: bool, sms: bool, phone: str, digest_weekday: int, digest_hour: int) -> Preference:
    preference = Preference.objects.select_for_update().filter(user=user).first() or Preference(user=user)
    preference.email, preference.sms, preference.phone = email, sms, (phone or "").strip()
    preference.digest_weekday, preference.digest_hour = digest_weekday, digest_hour
    preference.full_clean(exclude=["user"])
    preference.save()
    return preference


def notify(
    *,
    users,
    kind: str,
    title: str,
    body: str = "",
    summary: str = "",
    link: str = "",
    region=None,
    mandatory: bool = False,
    robot_anchor=None,
) -> list[Message]:
    """One message per account in ``users``, and its deliveries.

    ``body`` is shown in the app only; ``summary`` (default: the title) is what email, SMS and
    the group robot carry — write it without names. A ``mandatory`` alert (强制报告) goes by
    email and SMS even to an account that turned them off. ``region``: the township or county
    whose group robots get the summary too (once, not per account). ``robot_anchor``: the
    account whose message carries the robot's delivery when ``users`` is empty (the reporter of a
    强制报告 who is the county's only admin) — the group is told all the same.
    """
    users = [user for user in users if user.is_active]
    anchored = not users and region is not None and robot_anchor is not None and robot_anchor.is_active
    if anchored and RobotHook.objects.filter(region=region, active=True).exists():
        users = [robot_anchor]
    summary = summary or title
    now = timezone.now()
    with transaction.atomic():
        preferences = {p.user_id: p for p in Preference.objects.filter(user__in=users)}
        messages = Message.objects.bulk_create(
            [
                Message(
                    recipient=user,
                    kind=kind,
                    title=title,
                    body=body,
                    summary=summary,
                    link=link,
                    mandatory=mandatory,
                )
                for user in users
            ]
        )
        deliveries = []
        for user, message in zip(users, messages, strict=True):
            preference = preferences.get(user.pk) or Preference(user=user)
            deliveries.append(
                Delivery(
                    message=message,
                    channel=Channel.INAPP,
                    target=user.get_username(),
                    status=DeliveryStatus.SENT,
                    attempts=1,
                    sent_at=now,
                )
            )
            if preference.email or mandatory:
                deliveries.append(Delivery(message=message, channel=Channel.EMAIL, next_try_at=now))
            if preference.sms or (mandatory and preference.phone):
                deliveries.append(Delivery(message=message, channel=Channel.SMS, next_try_at=now))
        if region is not None and messages:
            for hook in RobotHook.objects.filter(region=region, active=True):
                deliveries.append(
                    Delivery(
                        message=messages[0], channel=Channel.WEBHOOK, hook=hook, target=hook.masked_url, next_try_at=now
                    )
                )
        Delivery.objects.bulk_create(deliveries)
        pending = [d.pk for d in deliveries if d.status == DeliveryStatus.PENDING]
        if pending:
            transaction.on_commit(lambda: _hand_to_worker(pending))
        recipients = [user.pk for user in users]
        transaction.on_commit(lambda: forget(recipients))
    return messages


def _hand_to_worker(delivery_ids: list[int]) -> None:
    from .tasks import deliver_pending

    try:
        deliver_pending.enqueue(delivery_ids)
    except Exception:  # noqa: BLE001 - the rows stay pending; retry_due sends them
        logger.exception("Could not queue %d deliveries; send_reminders will retry them.", len(delivery_ids))


def deliver(delivery: Delivery) -> Delivery:
    """Try one pending delivery once; record what happened."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message__recipient__notify_preference", "hook")
            .filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:  # sent, failed, or another worker has it now
            return None
        message, now = delivery.message, timezone.now()
        delivery.attempts += 1
        try:
            delivery.target = _send(delivery, message)
        except SendSkipped as skipped:
            delivery.status, delivery.last_error, delivery.next_try_at = DeliveryStatus.SKIPPED, str(skipped), None
        except SendFailed as failed:
            delivery.last_error = str(failed)[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status, delivery.next_try_at = DeliveryStatus.FAILED, None
            else:
                delivery.next_try_at = now + datetime.timedelta(minutes=RETRY_MINUTES[delivery.attempts - 1])
        else:
            delivery.status, delivery.sent_at, delivery.next_try_at = DeliveryStatus.SENT, now, None
            delivery.last_error = ""
        delivery.save()
    return delivery


def _send(delivery: Delivery, message: Message) -> str:
    text = message.summary or message.title
    if message.link:
        text = f"{text}\n{_('Sign in to see it')}：{message.link}"
    user = message.recipient
    if delivery.channel == Channel.EMAIL:
        return send_email(user=user, subject=message.title, text=text)
    if delivery.channel == Channel.SMS:
        return send_sms(phone=preference_for(user).phone, text=text)
    if delivery.channel == Channel.WEBHOOK:
        if delivery.hook is None or not delivery.hook.active:
            raise SendSkipped(_("The group robot was removed or turned off."))
        return send_webhook(hook=delivery.hook, text=text)
    raise SendSkipped(_("Nothing to send on this channel."))


def deliver_ids(delivery_ids) -> int:
    sent = 0
    for delivery in Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).order_by("pk"):
        done = deliver(delivery)
        sent += bool(done and done.status == DeliveryStatus.SENT)
    return sent


def retry_due(*, now=None) -> int:
    """Try every pending delivery whose time has come; returns how many were sent."""
    now = now or timezone.now()
    return deliver_ids(list(Delivery.objects.due(now).values_list("pk", flat=True)))


def messages_mark_read(*, user, messages) -> int:
    ids = [m.pk for m in messages if m.read_at is None]
    read = Message.objects.filter(recipient=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
    forget([user.pk])
    return read


# -- the alerts the other apps raise (after their commit) ---------------------------------------


def alert_mandatory_report(report) -> None:
    """A 强制报告 was filed: its county admins (the ones safeguarding alerts), and the county's
    group robot with no name in it."""
    from regions.models import Level, Region, ancestor_code
    from safeguarding.services import alert_recipients

    county = Region.objects.filter(code=ancestor_code(report.child.region.code, Level.COUNTY)).first()
    notify(
        users=list(alert_recipients(report.child).exclude(pk=report.reported_by_id)),
        kind=MessageKind.ALERT,
        title=_("New mandatory report"),
        body=_("A mandatory report on %(child)s was filed by %(by)s: %(kind)s.")
        % {"child": report.child.name, "by": report.reported_by, "kind": report.get_kind_display()},
        summary=_("A new mandatory report was filed in %(county)s. Sign in to see it.")
        % {"county": county.name if county else ""},
        link=f"/admin/safeguarding/mandatoryreport/{report.pk}/change/",
        region=county,
        mandatory=True,
        robot_anchor=report.reported_by,
    )


def alert_supervision(supervision) -> None:
    """A 督办 was issued: the staff of its township, and the township's group robot."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    answers = Q(groups__permissions__codename="change_supervision") | Q(user_permissions__codename="change_supervision")
    staff = (
        get_user_model()
        ._default_manager.filter(answers, is_active=True, staff_profile__region=supervision.region)
        .distinct()
    )
    notify(
        users=list(staff),
        kind=MessageKind.ALERT,
        title=_("New supervision: reply by %(date)s") % {"date": supervision.reply_by.isoformat()},
        body=supervision.question,
        summary=_("%(township)s has a new supervision to reply to by %(date)s. Sign in to see it.")
        % {"township": supervision.region.name, "date": supervision.reply_by.isoformat()},
        link=f"/admin/casework/supervision/{supervision.pk}/change/",
        region=supervision.region,
    )


def alert_proposal_returned(*, proposer, title: str, reason: str, link: str = "") -> None:
    """A proposal (issue 15, item 4) came back to its proposer with the county's reason."""
    notify(
        users=[proposer],
        kind=MessageKind.ALERT,
        title=_("A proposal was returned: %(title)s") % {"title": title},
        body=reason,
        summary=_("A proposal of yours was returned. Sign in to see the reason."),
        link=link,
    )


# -- the admin's writes ------------------------------------------------------------------------


@transaction.atomic
def robot_hook_save(*, hook: RobotHook, by) -> RobotHook:
    """A county admin adds or changes a group robot of a township or county in its area."""
    from django.core.exceptions import PermissionDenied

    from regions.models import Region

    perm = "notify.change_robothook" if hook.pk else "notify.add_robothook"
    if not by.has_perm(perm) or not Region.objects.for_user(by).filter(pk=hook.region_id).exists():
        raise PermissionDenied
    if hook.pk and not RobotHook.objects.for_user(by).filter(pk=hook.pk).exists():
        raise PermissionDenied
    hook.full_clean()
    hook.save()
    return hook


def deliveries_retry(*, deliveries, by) -> int:
    """Send failed (or waiting) deliveries the user may see again now, from the first attempt."""
    ids = list(
        Delivery.objects.for_user(by)
        .filter(pk__in=[d.pk for d in deliveries], status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING])
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, attempts=0, next_try_at=timezone.now())
    return deliver_ids(ids)
