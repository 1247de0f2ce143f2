"""Issue 15, item 2: the channels, every send recorded, failures retried and then shown."""

import datetime
import socket
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notify.models import Channel, Delivery, DeliveryStatus, HookKind, Message, RobotHook
from notify.services import MAX_ATTEMPTS, notify, preference_save, retry_due


def send(users, **extra):
    return notify(users=users, kind="alert", title="新的督办", body="甲童的帮扶进展", summary="有新的督办", **extra)


def deliveries(channel):
    return Delivery.objects.filter(channel=channel)


def test_it_writes_the_in_app_message_and_emails_the_account(users, django_capture_on_commit_callbacks):
    users["town_a"].email = "town_a@example.gov.cn"
    users["town_a"].save()
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = send([users["town_a"]], link="/admin/")
    assert Message.objects.get().recipient == users["town_a"] and message.read_at is None
    assert deliveries(Channel.INAPP).get().status == DeliveryStatus.SENT
    email = deliveries(Channel.EMAIL).get()
    assert (email.status, email.target, email.attempts) == (DeliveryStatus.SENT, "town_a@example.gov.cn", 1)
    (sent,) = mail.outbox
    assert sent.to == ["town_a@example.gov.cn"] and sent.subject == "新的督办"
    # What leaves the system is the summary, not the in-app body with the child's name.
    assert "有新的督办" in sent.body and "甲童" not in sent.body and "/admin/" in sent.body


def test_an_account_without_email_is_recorded_as_not_sent_with_the_reason(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]])
    email = deliveries(Channel.EMAIL).get()
    assert email.status == DeliveryStatus.SKIPPED and "邮箱" in email.last_error
    assert mail.outbox == []


def test_an_account_that_turned_email_off_gets_the_message_in_app_only(users, django_capture_on_commit_callbacks):
    users["town_a"].email = "town_a@example.gov.cn"
    users["town_a"].save()
    preference_save(user=users["town_a"], email=False, sms=False, phone="", digest_weekday=0, digest_hour=8)
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]])
    assert Message.objects.filter(recipient=users["town_a"]).count() == 1
    assert not deliveries(Channel.EMAIL).exists() and mail.outbox == []


def test_a_mandatory_alert_is_emailed_even_when_email_is_off(users, django_capture_on_commit_callbacks):
    users["admin"].email = "admin@example.gov.cn"
    users["admin"].save()
    preference_save(user=users["admin"], email=False, sms=False, phone="", digest_weekday=0, digest_hour=8)
    with django_capture_on_commit_callbacks(execute=True):
        send([users["admin"]], mandatory=True)
    assert Message.objects.get().mandatory
    assert [m.to for m in mail.outbox] == [["admin@example.gov.cn"]]


def test_sms_goes_through_the_configured_gateway_with_the_number_masked_in_the_record(
    users, sent_sms, django_capture_on_commit_callbacks
):
    preference_save(user=users["town_a"], email=False, sms=True, phone="13800138000", digest_weekday=0, digest_hour=8)
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]])
    assert sent_sms == [("13800138000", "有新的督办")]
    sms = deliveries(Channel.SMS).get()
    assert sms.status == DeliveryStatus.SENT and "13800138000" not in sms.target and sms.target.startswith("138")


@pytest.mark.parametrize("kind", [HookKind.WECOM, HookKind.DINGTALK])
def test_the_group_robot_of_the_region_receives_the_summary_as_text(
    users, regions, robot, kind, django_capture_on_commit_callbacks
):
    RobotHook.objects.create(region=regions["town_a"], kind=kind, url=robot.url)
    RobotHook.objects.create(region=regions["town_b"], kind=kind, url=robot.url + "-b")
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]], region=regions["town_a"])
    assert robot.received == [
        {
            "json": {"msgtype": "text", "text": {"content": "有新的督办"}},
            "content_type": "application/json; charset=utf-8",
        }
    ]
    hook = deliveries(Channel.WEBHOOK).get()
    assert hook.status == DeliveryStatus.SENT
    assert "secret-key" not in hook.target and hook.target.endswith("1234")


def _free_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/send"


@pytest.mark.parametrize(
    "answer,error",
    [((500, {}), "HTTP 500"), ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "errcode 93000")],
)
def test_a_failing_robot_is_recorded_and_tried_again_later(
    users, regions, robot, answer, error, django_capture_on_commit_callbacks
):
    RobotHook.objects.create(region=regions["town_a"], kind=HookKind.WECOM, url=robot.url)
    robot.answers = [answer]
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]], region=regions["town_a"])
    hook = deliveries(Channel.WEBHOOK).get()
    assert (hook.status, hook.attempts) == (DeliveryStatus.PENDING, 1) and error in hook.last_error
    assert "群机器人" in hook.last_error  # in Chinese for the county admin who reads the list
    assert hook.next_try_at > timezone.now()
    assert retry_due() == 0  # not yet due
    assert retry_due(now=timezone.now() + datetime.timedelta(minutes=2)) == 1
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.last_error) == (DeliveryStatus.SENT, 2, "")
    assert len(robot.received) == 2


def test_a_robot_that_never_answers_is_failed_after_the_last_attempt_and_shown(
    client, users, regions, django_capture_on_commit_callbacks
):
    RobotHook.objects.create(region=regions["town_a"], kind=HookKind.DINGTALK, url=_free_port_url())
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]], region=regions["town_a"])
    later = timezone.now()
    for _ in range(MAX_ATTEMPTS + 2):
        later += datetime.timedelta(hours=3)
        retry_due(now=later)
    hook = deliveries(Channel.WEBHOOK).get()
    assert (hook.status, hook.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert "ConnectionRefused" in hook.last_error or "refused" in hook.last_error.lower()
    # Shown: in the delivery list with its error, and counted on the county admin's message page.
    client.force_login(users["admin"])
    page = client.get(reverse("admin:notify_delivery_changelist"), {"status__exact": "failed"}).content.decode()
    assert "失败" in page and "refused" in page.lower()
    page = client.get(reverse("admin:notify_message_inbox")).content.decode()
    assert "1 条发送失败" in page
    # …and not to another township's staff.
    client.force_login(users["town_b"])
    assert "发送失败" not in client.get(reverse("admin:notify_message_inbox")).content.decode()


def test_a_failed_delivery_can_be_sent_again_from_the_admin(
    client, users, regions, robot, django_capture_on_commit_callbacks
):
    hook = RobotHook.objects.create(region=regions["town_a"], kind=HookKind.WECOM, url=robot.url)
    robot.answers = [(500, {})]
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]], region=regions["town_a"])
    Delivery.objects.filter(hook=hook).update(status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS, next_try_at=None)
    client.force_login(users["admin"])
    delivery = Delivery.objects.get(hook=hook)
    response = client.post(
        reverse("admin:notify_delivery_changelist"), {"action": "retry_now", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(robot.received) == 2


def test_the_worker_being_down_leaves_deliveries_pending_for_retry(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    from notify import tasks

    def broken(*args, **kwargs):
        raise RuntimeError("queue table missing")

    monkeypatch.setattr(tasks, "deliver_pending", SimpleNamespace(enqueue=broken))
    users["town_a"].email = "town_a@example.gov.cn"
    users["town_a"].save()
    with django_capture_on_commit_callbacks(execute=True):
        send([users["town_a"]])
    assert deliveries(Channel.EMAIL).get().status == DeliveryStatus.PENDING
    assert retry_due() == 1 and len(mail.outbox) == 1
