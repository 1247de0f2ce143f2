"""Issue 14, item 3: township staff assess a child from the profile; the checklist suggests the colour.

With SAVE_DOCS_SCREENSHOTS=1 the profile's assessment section is saved to docs/screenshots/.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_township_staff_assess_a_child_and_override_with_a_reason(county, page, shot):
    from assessments.models import Assessment

    child = county["xiaohua"]  # green
    login(page, "gedong_staff")
    page.goto(child.get_absolute_url())
    expect(page.locator("#assessments")).to_contain_text("尚未评估")
    page.locator("#assessments a.button", has_text="评估").click()
    page.get_by_label("情绪低落", exact=False).check()  # 3
    page.get_by_label("辍学", exact=False).check()  # 2
    page.get_by_role("button", name="查看建议颜色").click()
    expect(page.locator("#suggestion")).to_contain_text("5")
    expect(page.locator("#suggestion")).to_contain_text("黄")
    page.select_option("#id_chosen_colour", "red")
    page.get_by_role("button", name="保存评估").click()
    expect(page.locator(".errornote").first).to_be_visible()  # an override needs a reason
    assert not Assessment.objects.exists()
    page.fill("#id_override_reason", "祖母住院，无人照料")
    page.get_by_role("button", name="保存评估").click()
    section = page.locator("#assessments")
    expect(section).to_contain_text("祖母住院，无人照料")
    expect(section).to_contain_text("绿 → 红")
    shot(page, "profile-assessment")
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        section.screenshot(path=str(DOCS / "profile-assessment.png"))
    a = Assessment.objects.get()
    assert (a.score, a.suggested_colour, a.chosen_colour) == (5, "yellow", "red")
    assert a.card_change.reason.startswith("评估")
