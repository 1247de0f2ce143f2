"""Issue 15, item 2: the weekly digest, ``send_reminders`` and its dry run."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from children.tests.factories import ChildFactory
from notify.digest import digest_for
from notify.models import Delivery, Message, MessageKind, Preference
from notify.services import preference_save
from notify.weekly import digest_send, is_due, week_start

#: a Monday, 08:30 in Shanghai
MONDAY_MORNING = timezone.make_aware(datetime.datetime(2026, 11, 30, 8, 30))


def sections_of(user):
    return {title: (count, lines) for title, count, lines in digest_for(user)}


def test_a_townships_digest_has_only_its_own_children(world, users, regions, django_assert_max_num_queries):
    ChildFactory(name="丁童", region=regions["village_b1"])  # never visited: overdue, in B
    with django_assert_max_num_queries(4):  # one per section (and the visit intervals)
        town_a = sections_of(users["town_a"])
    overdue_a = town_a["逾期未走访儿童"]
    assert all("乙童" not in line and "丁童" not in line for line in overdue_a[1])
    overdue_b = sections_of(users["town_b"])["逾期未走访儿童"]
    assert "丁童（从未走访）" in overdue_b[1]
    county = sections_of(users["admin"])
    assert county["逾期未走访儿童"][0] == overdue_a[0] + overdue_b[0]
    # 强制报告 only in a county admin's digest.
    assert "未办结的强制报告" in county and "未办结的强制报告" not in town_a


def test_the_count_is_the_total_and_the_lines_the_first_few(users, regions):
    for i in range(7):
        ChildFactory(name=f"戊童{i}", region=regions["village_a1"])
    count, lines = sections_of(users["town_a"])["逾期未走访儿童"]
    assert count >= 7 and len(lines) == 5


def test_it_is_due_on_the_accounts_day_from_its_hour(users):
    user = users["town_a"]
    assert is_due(user, MONDAY_MORNING)  # default Monday 08:00
    assert not is_due(user, MONDAY_MORNING - datetime.timedelta(hours=1))
    assert not is_due(user, MONDAY_MORNING + datetime.timedelta(days=1))
    preference_save(user=user, email=True, sms=False, phone="", digest_weekday=4, digest_hour=17)
    user.refresh_from_db()
    assert not is_due(user, MONDAY_MORNING)
    assert is_due(user, MONDAY_MORNING + datetime.timedelta(days=4, hours=9))


def test_the_digest_is_sent_once_a_week(world, users, django_capture_on_commit_callbacks):
    user = users["town_a"]
    sections = digest_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(user=user, now=timezone.now(), sections=sections) is not None
        assert digest_send(user=user, now=timezone.now(), sections=sections) is None
    assert Message.objects.filter(recipient=user, kind=MessageKind.DIGEST).count() == 1
    # Next week it goes again.
    Message.objects.update(created_at=week_start(timezone.now()) - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(user=user, now=timezone.now(), sections=sections) is not None


def test_send_reminders_sends_the_due_digests_and_is_idempotent(world, users, django_capture_on_commit_callbacks):
    users["town_a"].email = "town_a@example.gov.cn"
    users["town_a"].save()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--now", "--region", "141128100000", stdout=out)
    assert set(Message.objects.values_list("recipient__username", flat=True)) == {"town_a"}
    assert "1 个账号" in out.getvalue()
    (email,) = mail.outbox
    assert "逾期未走访儿童" in email.body and "甲童" not in email.body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--now", "--region", "141128100000", stdout=io.StringIO())
    assert Message.objects.count() == 1 and len(mail.outbox) == 1


def test_send_reminders_without_now_sends_only_at_the_accounts_hour(world, users, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_MORNING - datetime.timedelta(hours=2))
    call_command("send_reminders", stdout=io.StringIO())
    assert not Message.objects.exists()
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_MORNING)
    call_command("send_reminders", stdout=io.StringIO())
    assert Message.objects.filter(kind=MessageKind.DIGEST).count() == len(
        [u for u in users.values() if hasattr(u, "staff_profile")]
    )


def test_the_dry_run_prints_each_account_and_writes_nothing(
    world, users, regions, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = io.StringIO()
    tables = (Message, Delivery, Preference)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, CaptureQueriesContext(connection) as queries:
        call_command("send_reminders", "--dry-run", "--region", regions["county"].code, stdout=out)
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    text = out.getvalue()
    assert "town_a（方山县 › 圪洞镇）：每周摘要 星期一 08:00" in text
    assert "county_admin（方山县）" in text and "未办结的强制报告：0" in text
    assert "逾期未走访儿童" in text and "试运行：没有发送，也没有写入任何数据。" in text
    assert "nobody" not in text  # no region, no digest
    assert all(not model.objects.exists() for model in tables) and callbacks == [] and mail.outbox == []


def test_an_unknown_region_is_an_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", "--dry-run", "--region", "999999999999", stdout=io.StringIO())


def test_the_digest_awaits_the_same_referrals_and_needs_as_the_todo_page(world, users):
    """A referral the department has accepted but not answered is still awaited: in 待办 and
    in the digest alike (both read ``todo.lists``)."""
    from casework import services as casework
    from casework.models import ActorKind, Department, ReferralStatus
    from todo import lists

    today = timezone.localdate()
    need = casework.need_add(
        child=world["a"]["child"],
        found_on=today - datetime.timedelta(days=20),
        due_on=today - datetime.timedelta(days=1),
        kind="living",
        description="冬衣不足",
        actor_kind=ActorKind.MOTHER,
        volunteer=world["a"]["mother"],
    )
    referral = casework.referral_create(
        need=need, department=Department.objects.get(name="民政"), referred_on=today, request="申请临时救助"
    )
    casework.referral_set_status(referral=referral, status=ReferralStatus.ACCEPTED)
    sections = sections_of(users["town_a"])
    awaited = sections["等待部门回复的转介"]
    assert awaited[0] == lists.referrals_awaiting(users["town_a"], today).count() == 1
    assert "民政" in awaited[1][0]
    assert sections["已过期限的未完成需求"][0] == lists.needs_past_due(users["town_a"], today).count() == 1
