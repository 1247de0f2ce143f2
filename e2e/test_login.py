"""Login guessing ends in the Chinese lockout message, even for the right password afterwards."""

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOCKED = "登录失败次数过多：该账号已被锁定 30 分钟，请稍后再试。"


def test_repeated_wrong_passwords_end_in_the_lockout_message(county, page, problems, shot):
    problems.allow("status of 429")  # the lockout page is sent as 429 Too Many Requests
    for attempt in range(1, 5):
        login(page, "fs_admin", f"wrong-password-{attempt}")
        expect(page.locator("#login-form")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(LOCKED)
    shot(page, "wrong-password")

    login(page, "fs_admin", "wrong-password-5")
    expect(page.get_by_role("alert")).to_have_text(LOCKED)
    shot(page, "locked-out")

    login(page, "fs_admin")  # the right password no longer helps
    expect(page.get_by_role("alert")).to_have_text(LOCKED)
    assert "/admin/login/" in page.url


def test_the_page_watchers_catch_csp_violations_and_script_errors(page, problems):
    """The checks every test relies on: an inline script is blocked and reported, errors are caught."""
    page.goto("/admin/login/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true;";
        document.body.appendChild(script);
        setTimeout(() => { throw new Error("e2e watcher check"); });
    }""")
    for _ in range(40):  # the reports arrive asynchronously
        if problems.csp and problems.errors:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("window.inlineRan") is None
    assert any("script-src" in violation for violation in problems.csp), problems
    assert any("e2e watcher check" in error for error in problems.errors), problems
    problems.csp.clear()
    problems.errors.clear()
