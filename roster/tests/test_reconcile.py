import io
import time

import openpyxl
import pytest
from django.apps import apps
from django.utils import translation

from audit.models import AccessEvent, LedgerEvent
from children.models import Child
from core.tests import hostile_files as hostile
from roster.reconcile import RosterError, may_reconcile, reconcile
from roster.result_file import result_workbook

from .samples import roster_file, roster_of, world_of_children


@pytest.fixture
def case(regions, users):
    ours, rows, extra = world_of_children(regions)
    return {"ours": ours, "rows": rows, "extra": extra, "data": roster_file(rows)}


def run(case, user, data=None):
    with translation.override("zh-hans"):
        return reconcile(data or case["data"], "民政名单.xlsx", user=user, source="民政")


def names(people):
    return sorted(p.name for p in people)


def test_it_sorts_their_list_into_both_theirs_only_and_ours_only(case, users):
    result = run(case, users["town_a"])
    assert names(result.both) == ["张三", "李四", "王五", "赵六", "钱七", "陈一"]
    # 周九 is registered in 大武镇, outside 圪洞镇 staff's scope: theirs only, like 吴十 whom nobody registered
    assert names(result.theirs_only) == ["吴十", "周九"]
    # 冯二 exited and is not on their list: nothing to review
    assert names(result.ours_only) == ["孙八"]
    assert result.counts() == {"双方都有": 6, "仅对方有": 2, "仅本系统有": 1, "不一致": 5, "无法核对": 2}
    assert result.summary_line() == "双方都有 6，仅对方有 2，仅本系统有 1，不一致 5"


def test_it_matches_an_id_number_typed_in_full_width_digits(case, users):
    result = run(case, users["town_a"])
    same = next(p for p in result.both if p.name == "张三")
    assert same.id_number == case["ours"]["same"].id_number
    assert same.row == 4  # two title rows and the header above the first data row
    assert not [d for d in result.differences if d.person.name == "张三"]


def test_it_reports_each_kind_of_mismatch_with_both_values(case, users):
    result = run(case, users["town_a"])
    found = {(d.person.name, d.item, d.ours, d.theirs) for d in result.differences}
    assert found == {
        ("李四", "姓名", "李四", "李 思"),
        ("王五", "儿童类别", "农村留守儿童", "困境儿童"),
        ("赵六", "村（社区）", "武当社区", "城内村"),
        # a category of theirs that is none of ours is reported as they wrote it
        ("陈一", "儿童类别", "农村留守儿童", "低保家庭子女"),
        ("钱七", "状态", "本系统已退出（2024-06-30，户籍迁出）", "对方名单在册"),
    }


def test_it_lists_bad_and_repeated_id_numbers_as_unreadable_with_a_chinese_reason(case, users):
    result = run(case, users["town_a"])
    unreadable = {(u.row, u.name): u.reason for u in result.unreadable}
    assert set(unreadable) == {(12, "郑十一"), (13, "张三")}
    assert unreadable[(12, "郑十一")] == "身份证号校验位不正确，请核对号码是否录错。"
    assert unreadable[(13, "张三")] == "该身份证号码与文件第 4 行重复。"


def test_a_child_of_another_township_is_indistinguishable_from_one_never_registered(case, users):
    """docs/security.md, search as an oracle: the result says nothing about 周九 being registered elsewhere."""
    with_child = run(case, users["town_a"])
    Child.history.filter(id=case["ours"]["other_township"].pk).delete()
    case["ours"]["other_township"].delete()
    without = run(case, users["town_a"])
    for attribute in ("both", "theirs_only", "ours_only", "differences", "unreadable"):
        assert getattr(with_child, attribute) == getattr(without, attribute), attribute


def test_the_county_admin_sees_the_other_township_child_on_both_lists(case, users):
    result = run(case, users["admin"])
    assert "周九" in names(result.both)
    assert names(result.theirs_only) == ["吴十"]
    assert names(result.ours_only) == ["孙八"]


def _row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_it_writes_nothing_but_one_audit_record_of_who_reconciled_which_file_with_counts(case, users):
    before, children = _row_counts(), list(Child.objects.order_by("pk").values())
    run(case, users["town_a"])
    after = _row_counts()
    assert list(Child.objects.order_by("pk").values()) == children  # no row changed in place either
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert changed == {"audit.LedgerEvent": (before["audit.LedgerEvent"], before["audit.LedgerEvent"] + 1)}
    event = LedgerEvent.objects.get()
    assert (event.user, event.direction, event.ledger, event.rows) == (users["town_a"], "export", "roster", 10)
    assert event.filters == {
        "对方名单": "民政名单.xlsx",
        "名单来源": "民政",
        "双方都有": "6",
        "仅对方有": "2",
        "仅本系统有": "1",
        "不一致": "5",
        "无法核对": "2",
    }
    assert not AccessEvent.objects.exists()
    # counts only: no name or number of any child in the record
    assert "张三" not in str(event.filters) and case["ours"]["same"].id_number not in str(event.filters)


def _cells(data: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_the_result_file_has_the_summary_and_one_sheet_per_list(case, users):
    with translation.override("zh-hans"):
        result = run(case, users["admin"])
        sheets = _cells(result_workbook(result, user=users["admin"]))
    assert list(sheets) == ["汇总", "双方都有", "仅对方有", "仅本系统有", "不一致", "无法核对"]
    assert sheets["汇总"][1:6] == [["项目", "人数"], ["双方都有", 7], ["仅对方有", 1], ["仅本系统有", 1], ["不一致", 5]]
    assert sheets["不一致"][0] == ["姓名", "身份证号码", "村（社区）", "类别", "项目", "本系统", "对方", "对方表格行号"]
    li = next(row for row in sheets["不一致"] if row[0] == "李四")
    assert li == ["李四", case["ours"]["name"].id_number, "武当社区", "农村留守儿童", "姓名", "李四", "李 思", 5]
    assert [row[0] for row in sheets["仅对方有"][1:]] == ["吴十"]


def test_a_masked_role_gets_no_full_id_number_anywhere_in_the_result_file(case, users):
    with translation.override("zh-hans"):
        result = run(case, users["town_a"])
        sheets = _cells(result_workbook(result, user=users["town_a"]))
    numbers = [c.id_number for c in case["ours"].values()] + [case["extra"]["unregistered"], case["extra"]["bad"]]
    text = "\n".join(str(cell) for rows in sheets.values() for row in rows for cell in row if cell is not None)
    for number in numbers:
        # not the number, nor its birth date and sequence digits (rebuilding it needs them)
        assert number not in text and number[6:14] not in text and number[-4:] not in text.replace("*", "")
    ids = [row[1] for row in sheets["双方都有"][1:]] + [row[1] for row in sheets["仅对方有"][1:]]
    assert ids and all(value[6:] == "*" * 12 for value in ids)
    assert ["身份证号码", "已脱敏"] in sheets["汇总"]


@pytest.mark.security
def test_a_hostile_file_is_refused_with_the_readers_chinese_message(users, regions):
    with translation.override("zh-hans"), pytest.raises(RosterError) as caught:
        reconcile(hostile.xlsx_far_cell("XFD100000"), "炸弹.xlsx", user=users["admin"])
    assert "16384 列" in str(caught.value)
    assert not LedgerEvent.objects.exists()


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\x89PNG\r\n\x1a\n0000", "PNG"),
        (roster_file([["张三", "x"]], header=["姓名", "性别"], title_rows=()), "身份证号码"),
        (b"", "文件是空的"),
    ],
    ids=["a photo", "no ID column", "empty"],
)
def test_a_file_that_is_no_roster_gets_a_chinese_message(users, regions, data, words):
    with translation.override("zh-hans"), pytest.raises(RosterError) as caught:
        reconcile(data, "x.xlsx", user=users["admin"])
    assert words in str(caught.value)


def test_only_accounts_that_see_full_numbers_may_reconcile(users):
    """Township staff see masked numbers: an upload of candidate numbers would tell them which
    is a child's real one (100,000 tries in one file, past the search boxes' hourly limit)."""
    assert may_reconcile(users["admin"])
    assert not may_reconcile(users["town_a"]) and not may_reconcile(users["viewer"])


def test_its_queries_do_not_grow_with_the_list(regions, users, django_assert_max_num_queries):
    data = roster_of(300, regions["village_a1"])
    with django_assert_max_num_queries(8):
        result = reconcile(data, "名单.xlsx", user=users["admin"])
    assert len(result.both) == 300


def test_five_thousand_rows_take_a_few_seconds(regions, users, capsys):
    data = roster_of(5000, regions["village_a1"])
    started = time.perf_counter()
    result = reconcile(data, "名单.xlsx", user=users["admin"])
    data = result_workbook(result, user=users["admin"])
    took = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n5000 rows reconciled and written in {took:.2f} s")
    assert len(result.both) == 5000 and took < 20
