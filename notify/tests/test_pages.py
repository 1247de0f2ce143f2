"""Issue 15, item 2: the page of one's messages, the unread count in the header, who sees what."""

import pytest
from django.core import mail
from django.urls import reverse

from notify.models import Delivery, Message, Preference, RobotHook
from notify.services import notify
from notify.tests.factories import notify_rows

INBOX = "admin:notify_message_inbox"


def alert(users, title="新的督办"):
    return notify(users=users, kind="alert", title=title, body="请报告甲童的帮扶进展")


def test_the_header_counts_unread_messages_and_the_page_marks_them_read(client, users):
    alert([users["town_a"]])
    alert([users["town_a"]], title="第二条")
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "2 条未读消息" in page and "我的消息（2 条未读）" in page
    inbox = client.get(reverse(INBOX)).content.decode()
    assert "新的督办" in inbox and "请报告甲童的帮扶进展" in inbox
    assert not Message.objects.filter(read_at__isnull=True).exists()
    assert "未读消息" not in client.get(reverse("admin:index")).content.decode()


def test_the_page_shows_only_ones_own_messages(client, users):
    alert([users["town_b"]], title="乙镇的提醒")
    client.force_login(users["town_a"])
    assert "乙镇的提醒" not in client.get(reverse(INBOX)).content.decode()
    assert Message.objects.get().read_at is None


def test_an_account_keeps_its_own_settings_from_the_page(client, users):
    client.force_login(users["town_a"])
    response = client.post(
        reverse(INBOX), {"email": "", "sms": "on", "phone": "13800138000", "digest_weekday": "4", "digest_hour": "17"}
    )
    assert response.status_code == 302
    preference = Preference.objects.get(user=users["town_a"])
    assert (preference.email, preference.sms, preference.digest_weekday, preference.digest_hour) == (False, True, 4, 17)
    users["town_a"].email = "a@example.gov.cn"
    users["town_a"].save()
    alert([users["town_a"]])
    assert mail.outbox == []  # email off


def test_county_admins_see_their_areas_deliveries_township_staff_only_their_own(world, users, regions):
    for key in ("a", "b"):
        notify_rows(users[f"town_{key}"], regions[f"town_{key}"])
    own = Delivery.objects.for_user(users["town_a"])
    assert {d.message.recipient.username for d in own} == {"town_a"}
    county = Delivery.objects.for_user(users["admin"])
    assert {d.message.recipient.username for d in county} == {"town_a", "town_b"}
    assert not Delivery.objects.for_user(users["nobody"]).exists()
    assert {m.recipient.username for m in Message.objects.for_user(users["admin"])} == set()


def test_group_robots_are_the_county_admins_with_the_address_shortened_in_the_list(client, users, regions):
    notify_rows(users["town_a"], regions["town_a"])
    hook = RobotHook.objects.get()
    hook.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-secret-9f8e"
    hook.save()
    client.force_login(users["admin"])
    page = client.get(reverse("admin:notify_robothook_changelist")).content.decode()
    assert "圪洞镇工作群" in page and "secret" not in page and "9f8e" in page
    client.force_login(users["town_a"])
    assert client.get(reverse("admin:notify_robothook_changelist")).status_code == 403


def test_a_county_admin_adds_a_robot_only_in_its_area(client, users, regions):
    from regions.tests.factories import RegionFactory

    other = RegionFactory(code="141129100000", name="临泉镇", parent=RegionFactory(code="141129000000", name="临县"))
    client.force_login(users["admin"])
    data = {
        "kind": "dingtalk",
        "name": "大武镇群",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
        "active": "on",
    }
    assert client.post(reverse("admin:notify_robothook_add"), {**data, "region": other.pk}).status_code == 200
    assert not RobotHook.objects.exists()
    response = client.post(reverse("admin:notify_robothook_add"), {**data, "region": regions["town_b"].pk})
    assert response.status_code == 302 and RobotHook.objects.get().region == regions["town_b"]
    bad = {**data, "region": regions["town_b"].pk, "url": "file:///etc/passwd"}
    assert client.post(reverse("admin:notify_robothook_add"), bad).status_code == 200
    assert RobotHook.objects.count() == 1


def test_the_robot_service_refuses_a_region_outside_the_admins_area(users, regions):
    import pytest
    from django.core.exceptions import PermissionDenied

    from notify.services import robot_hook_save
    from regions.tests.factories import RegionFactory

    other = RegionFactory(code="141129100000", name="临泉镇", parent=RegionFactory(code="141129000000", name="临县"))
    hook = RobotHook(region=other, kind="wecom", url="https://qyapi.weixin.qq.com/k=1")
    with pytest.raises(PermissionDenied):
        robot_hook_save(hook=hook, by=users["admin"])
    with pytest.raises(PermissionDenied):
        robot_hook_save(hook=RobotHook(region=regions["town_a"], kind="wecom", url=hook.url), by=users["town_a"])
    assert not RobotHook.objects.exists()


def test_the_new_pages_read_in_chinese_with_rows_on_them(client, users, regions):
    from core.tests.test_no_english import english_in

    (message,) = alert([users["admin"]])
    notify_rows(users["admin"], regions["county"])
    Delivery.objects.filter(message=message).update(status="failed", last_error="HTTP 500")
    client.force_login(users["admin"])
    pages = [reverse(INBOX)]
    for model in ("message", "delivery", "preference", "robothook"):
        obj = {"message": Message, "delivery": Delivery, "preference": Preference, "robothook": RobotHook}[model]
        pages += [
            reverse(f"admin:notify_{model}_changelist"),
            reverse(f"admin:notify_{model}_change", args=[obj.objects.first().pk]),
        ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_in(response.content.decode()) == [], url


def test_the_header_costs_one_query_for_both_counts_and_none_from_the_cache(
    world, users, django_assert_num_queries, django_capture_on_commit_callbacks
):
    import datetime

    from django.test import RequestFactory
    from django.utils import timezone

    from notify.inbox import environment_callback
    from safeguarding.services import report_file

    with django_capture_on_commit_callbacks(execute=True):
        report_file(
            child=world["a"]["child"],
            kind="neglect",
            observed="独自在家",
            observed_at=timezone.now() - datetime.timedelta(hours=1),
            by=users["town_a"],
        )
    from django.core.cache import cache

    cache.clear()
    request = RequestFactory().get("/")
    request.user = users["admin"]
    with django_assert_num_queries(1):
        label = environment_callback(request)
    assert label == ["1 条新的强制报告 · 1 条未读消息", "danger"]
    with django_assert_num_queries(0):
        assert environment_callback(request) == label


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/x",
        "http://169.254.169.254/latest/meta-data/",
        "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=1",
        "http://10.0.0.5/cgi-bin/webhook/send",
    ],
)
def test_a_robot_address_outside_the_robot_services_is_refused_and_never_posted_to(users, regions, settings, url):
    """The server posts to the address: naming a host inside the network would make it a probe."""
    from django.core.exceptions import ValidationError

    from notify.channels import SendSkipped, send_webhook
    from notify.services import robot_hook_save

    settings.NOTIFY_ROBOT_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
    with pytest.raises(ValidationError):
        robot_hook_save(hook=RobotHook(region=regions["town_a"], kind="wecom", url=url), by=users["admin"])
    assert not RobotHook.objects.exists()
    with pytest.raises(SendSkipped):  # a row written before the rule (or by hand) is not posted to either
        send_webhook(hook=RobotHook(region=regions["town_a"], kind="wecom", url=url), text="测试")


def test_a_changed_robot_address_keeps_its_history(users, regions):
    from notify.services import robot_hook_save

    hook = robot_hook_save(
        hook=RobotHook(region=regions["town_a"], kind="wecom", url="https://qyapi.weixin.qq.com/send?key=old1"),
        by=users["admin"],
    )
    hook.url = "https://qyapi.weixin.qq.com/send?key=new2"
    robot_hook_save(hook=hook, by=users["admin"])
    assert [h.url for h in hook.history.order_by("history_id")] == [
        "https://qyapi.weixin.qq.com/send?key=old1",
        "https://qyapi.weixin.qq.com/send?key=new2",
    ]


def test_an_admin_page_reads_the_unread_count_once(client, users, monkeypatch):
    """The header's label and the account menu both show the count: one look-up per page (with
    the database cache of production, each look-up is a query)."""
    from notify import inbox

    calls = []
    real = inbox.unread_count
    monkeypatch.setattr(inbox, "unread_count", lambda user: calls.append(user) or real(user))
    alert([users["town_a"]])
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "1 条未读消息" in page and "我的消息（1 条未读）" in page
    assert len(calls) == 1
