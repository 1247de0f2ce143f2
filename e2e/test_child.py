"""A county admin records an activity and changes a card colour (issue 13, items 3 and 6).

The activity's rule (activities.services.activity_counts): with the counts left empty, 参与儿童数
is the number of children ticked, 参与爱心妈妈数 the number of mothers ticked and 参与人次 their sum —
here 2, 2 and 4 — shown on the activity list.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def pick(page, field: str, term: str, option: str) -> None:
    """Choose ``option`` in the admin's autocomplete (select2) for ``field``, typing ``term``."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_an_activity_with_two_children_and_two_mothers_ticked_counts_them(county, page, shot):
    from activities.models import Activity

    login(page, "fs_admin")
    page.goto("/admin/activities/activity/add/")
    page.fill("#id_title", "冬至包饺子")
    pick(page, "activity_type", "亲子", "亲子阅读")
    page.fill("#id_held_on", county["today"].isoformat())
    pick(page, "region", "圪洞", "圪洞镇")
    for name in ("王小花", "李小明"):
        pick(page, "children", name, name)
    for name in ("张秀英", "刘桂兰"):
        pick(page, "volunteers", name, name)
    for field in ("children_count", "volunteers_count", "person_times"):
        expect(page.locator(f"#id_{field}")).to_have_value("")  # left empty: filled from the ticks
    expect(page.locator("body")).to_contain_text("不少于上面勾选的儿童人数；留空则按勾选人数计")
    shot(page, "activity-form")
    page.locator("button[name=_save], input[name=_save]").first.click()

    expect(page).to_have_url(re.compile(r"/admin/activities/activity/$"))
    row = page.locator("#result_list tbody tr", has_text="冬至包饺子")
    expect(row.locator("td.field-children_count")).to_have_text("2")
    expect(row.locator("td.field-volunteers_count")).to_have_text("2")
    expect(row.locator("td.field-person_times")).to_have_text("4")
    shot(page, "activity-list")
    activity = Activity.objects.get(title="冬至包饺子")
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (2, 2, 4)
    assert activity.children.count() == 2 and activity.volunteers.count() == 2

    # A count below the ticks is refused on the form, in Chinese, and nothing changes.
    page.goto(f"/admin/activities/activity/{activity.pk}/change/")
    page.fill("#id_children_count", "1")
    page.locator("button[name=_save], input[name=_save]").first.click()
    expect(page.locator("body")).to_contain_text("已勾选 2 名儿童，参与儿童数不能少于此数")
    shot(page, "activity-count-refused")
    activity.refresh_from_db()
    assert activity.children_count == 2


def test_the_colour_form_shows_the_colour_now_and_says_when_it_is_unchanged(county, page, shot):
    from children.models import CardChange

    child = county["xiaoming"]  # red
    login(page, "fs_admin")
    page.goto(f"/admin/children/child/{child.pk}/change/")
    page.get_by_role("link", name=re.compile("变更三色卡")).first.click()
    expect(page.locator("body")).to_contain_text("当前颜色：红。")
    colour = page.locator("select[name=to_colour]")
    expect(colour).to_have_value("")  # no default: the person chooses
    expect(colour.locator("option[value=red]")).to_have_text("红（当前）")
    shot(page, "colour-form")

    colour.select_option("red")
    page.locator("select[name=reason_choice]").select_option("走访评估")
    page.get_by_role("button", name="确定").click()
    expect(page.locator("body")).to_contain_text("颜色未变：当前已是红卡。")
    assert not CardChange.objects.filter(child=child).exists()

    page.locator("select[name=to_colour]").select_option("yellow")
    page.locator("select[name=reason_choice]").select_option("其他")
    page.get_by_role("button", name="确定").click()
    expect(page.locator("body")).to_contain_text("请写明原因。")
    page.fill("input[name=reason]", "父母返乡")
    page.get_by_role("button", name="确定").click()
    expect(page).to_have_url(re.compile(rf"/admin/children/child/{child.pk}/change/$"))
    expect(page.locator("body")).to_contain_text("已完成 1 条")
    change = CardChange.objects.get(child=child)
    assert (change.from_colour, change.to_colour, change.reason) == ("red", "yellow", "父母返乡")
