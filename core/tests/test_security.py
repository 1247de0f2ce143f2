"""Login throttling, sessions, security headers (issue 3, item 8)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import LoginEvent

PASSWORD = "Correct-horse-9"  # regions.tests.factories.UserFactory


def _login(client, username, password, ip="198.51.100.7", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **extra,
    )


def _fail(client, username, times, ip="198.51.100.7", **extra):
    for _ in range(times):
        response = _login(client, username, "wrong-password", ip=ip, **extra)
        assert response.status_code in (200, 429)


def _age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=minutes))


def test_it_locks_a_username_and_ip_after_five_failures_with_a_chinese_message(client, users):
    _fail(client, "town_a", 5)
    response = _login(client, "town_a", PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_allows_four_failures(client, users):
    _fail(client, "town_a", 4)
    assert _login(client, "town_a", PASSWORD).status_code == 302


def test_it_locks_only_that_username_from_that_address(client, users):
    _fail(client, "town_a", 5)
    assert _login(client, "town_a", PASSWORD, ip="198.51.100.99").status_code == 302
    client.logout()
    assert _login(client, "town_b", PASSWORD).status_code == 302


def test_it_forgets_failures_older_than_fifteen_minutes(client, users):
    _fail(client, "town_a", 4)
    _age_attempts(16)
    _fail(client, "town_a", 1)
    assert _login(client, "town_a", PASSWORD).status_code == 302


def test_it_keeps_the_lock_for_thirty_minutes(client, users):
    _fail(client, "town_a", 5)
    _age_attempts(20)
    assert _login(client, "town_a", PASSWORD).status_code == 429
    _age_attempts(31)
    assert _login(client, "town_a", PASSWORD).status_code == 302


def test_it_takes_the_client_address_from_our_proxy_not_from_the_client(client, users, settings):
    settings.PROXY_COUNT = 1
    # Every request arrives from the proxy; the proxy appends the address it saw.
    _fail(client, "town_a", 5, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    # A forged left-hand entry does not get the attacker a fresh address…
    spoofed = _login(client, "town_a", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert spoofed.status_code == 429
    # …while another real client behind the same proxy is not locked out.
    assert _login(client, "town_a", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 302


def test_it_logs_logins_and_failed_logins(client, users):
    _login(client, "town_a", "wrong-password")
    _login(client, "town_a", PASSWORD)
    client.post(reverse("admin:logout"))
    kinds = list(LoginEvent.objects.order_by("at", "pk").values_list("kind", "username", "ip_address"))
    assert kinds == [
        ("failed", "town_a", "198.51.100.7"),
        ("login", "town_a", "198.51.100.7"),
        ("logout", "town_a", None),
    ] or kinds[:2] == [("failed", "town_a", "198.51.100.7"), ("login", "town_a", "198.51.100.7")]
    assert LoginEvent.objects.filter(kind="login").get().region == users["town_a"].staff_profile.region


def test_it_ends_sessions_after_thirty_idle_minutes_and_at_browser_close(client, users):
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client.force_login(users["admin"])
    assert client.get(reverse("admin:index")).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"], "a browser-session cookie"
    assert cookie["secure"] and cookie["httponly"]
    row = Session.objects.filter(session_key=client.session.session_key)

    def minutes_left():
        return (row.get().expire_date - timezone.now()).total_seconds() / 60

    # Activity renews the 30 minutes (idle, not absolute): a request after the last renewal is
    # more than a minute old pushes the expiry forward again…
    row.update(expire_date=timezone.now() + datetime.timedelta(minutes=10))
    session = client.session
    session["_renewed_at"] -= 120
    session.save()
    assert client.get(reverse("admin:index")).status_code == 200
    assert 29 < minutes_left() <= 30
    # …while requests within the minute do not write the session row at all.
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("admin:index")).status_code == 200
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    # A session untouched for longer has expired.
    row.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("admin:index")).status_code == 302


def test_it_sends_a_content_security_policy_the_admin_works_under(client, users):
    client.force_login(users["admin"])
    response = client.get(reverse("admin:children_child_changelist"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    # The admin pages carry no inline <script> the policy would block.
    assert "<script>" not in response.content.decode()


def test_it_sets_secure_cookies_and_hsts_with_debug_off():
    assert not settings.DEBUG
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000


@pytest.mark.django_db
def test_it_passes_the_deployment_checklist(capsys, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["aixin.example.gov.cn"]
    settings.SECRET_KEY = "x" * 20 + "-a-long-random-production-like-secret-key-0123456789"
    call_command("check", "--deploy", "--fail-level", "WARNING")


def test_a_stale_session_cookie_does_not_start_a_new_session(client, db):
    from django.contrib.sessions.models import Session

    client.cookies[settings.SESSION_COOKIE_NAME] = "stale-session-key-from-an-old-browser-tab"
    assert client.get("/no-such-page/").status_code == 404
    assert not Session.objects.exists()


@pytest.mark.parametrize("typed", [" town_a", "town_a ", "\u3000town_a", "ｔｏｗｎ_ａ"])
def test_it_keeps_the_thirty_minute_lock_whatever_spaces_or_width_the_username_is_typed_with(client, users, typed):
    _fail(client, typed, 5)
    assert AccessAttempt.objects.get().username == "town_a"
    for minutes in (16, 29):
        _age_attempts(minutes)
        assert _login(client, typed, PASSWORD).status_code == 429, f"let in after {minutes} minutes"
        assert _login(client, "town_a", PASSWORD).status_code == 429
    _age_attempts(31)
    assert _login(client, typed, PASSWORD).status_code == 302
