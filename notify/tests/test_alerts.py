"""Issue 15, item 2: immediate alerts — a 强制报告 filed, a 督办 issued, a proposal returned."""

import datetime

from django.core import mail
from django.utils import timezone

from casework.services import supervision_create
from notify.models import Channel, Delivery, HookKind, Message, RobotHook
from notify.services import alert_proposal_returned, preference_save
from safeguarding.services import report_file


def file_report(child, by):
    return report_file(
        child=child,
        kind="neglect",
        observed="孩子独自在家两天",
        observed_at=timezone.now() - datetime.timedelta(hours=1),
        by=by,
    )


def recipients():
    return set(Message.objects.values_list("recipient__username", flat=True))


def test_a_mandatory_report_alerts_the_county_admins_only(
    world, users, regions, robot, django_capture_on_commit_callbacks
):
    RobotHook.objects.create(region=regions["county"], kind=HookKind.WECOM, url=robot.url)
    RobotHook.objects.create(region=regions["town_a"], kind=HookKind.WECOM, url=robot.url + "-town")
    for user in (users["admin"], users["town_b"]):
        user.email = f"{user.username}@example.gov.cn"
        user.save()
    # The county admin turned email off: a 强制报告 is emailed all the same.
    preference_save(user=users["admin"], email=False, sms=False, phone="", digest_weekday=0, digest_hour=8)
    with django_capture_on_commit_callbacks(execute=True):
        report = file_report(world["a"]["child"], users["town_a"])
    # Not the reporter, not the township's colleagues, not the viewer: the narrower access.
    assert recipients() == {"county_admin"}
    message = Message.objects.get()
    assert message.mandatory and "甲童" in message.body and str(report.pk) in message.link
    assert [m.to for m in mail.outbox] == [["county_admin@example.gov.cn"]]
    assert "甲童" not in mail.outbox[0].body
    # The county's group robot, without the child's name; not the township's.
    assert len(robot.received) == 1
    content = robot.received[0]["json"]["text"]["content"]
    assert "强制报告" in content and "甲童" not in content
    assert Delivery.objects.get(channel=Channel.WEBHOOK).hook.region == regions["county"]


def test_nothing_is_sent_when_the_filing_is_rolled_back(world, users, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                file_report(world["a"]["child"], users["town_a"])
                raise RuntimeError("the form failed after the report")
        except RuntimeError:
            pass
    assert not Message.objects.exists() and mail.outbox == []


def test_a_broken_reminder_never_undoes_the_filing(world, users, monkeypatch, django_capture_on_commit_callbacks):
    from notify import services
    from safeguarding.models import MandatoryReport

    def broken(**kwargs):
        raise RuntimeError("notify is broken")

    monkeypatch.setattr(services, "notify", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = file_report(world["a"]["child"], users["town_a"])
    assert MandatoryReport.objects.filter(pk=report.pk).exists()


def test_a_supervision_alerts_the_townships_staff(world, users, regions, robot, django_capture_on_commit_callbacks):
    RobotHook.objects.create(region=regions["town_a"], kind=HookKind.DINGTALK, url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        supervision_create(
            question="请报告甲童的帮扶进展",
            reply_by=datetime.date(2026, 12, 20),
            child=world["a"]["child"],
            by=users["admin"],
        )
    assert recipients() == {"town_a"}
    message = Message.objects.get()
    assert "2026-12-20" in message.title and message.body == "请报告甲童的帮扶进展"
    assert not message.mandatory
    (received,) = robot.received
    assert "圪洞镇" in received["json"]["text"]["content"] and "甲童" not in received["json"]["text"]["content"]


def test_a_returned_proposal_alerts_its_proposer(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert_proposal_returned(proposer=users["town_a"], title="新增儿童 丁童", reason="身份证号有误")
    message = Message.objects.get()
    assert message.recipient == users["town_a"] and message.body == "身份证号有误"


def test_the_county_robot_is_told_when_the_reporter_is_the_only_county_admin(
    world, users, regions, robot, django_capture_on_commit_callbacks
):
    RobotHook.objects.create(region=regions["county"], kind=HookKind.WECOM, url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        file_report(world["a"]["child"], users["admin"])  # the county's only admin files it
    assert len(robot.received) == 1
    assert "甲童" not in robot.received[0]["json"]["text"]["content"]
    assert recipients() == {"county_admin"}  # the anchor message is the reporter's own
