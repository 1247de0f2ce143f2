"""A 民政 roster the way it arrives: title rows, its own header names, a footer, and one child of
each case the reconciliation must sort (built by the tests, against the conftest region tree)."""

import datetime

from children.models import Child, ChildCategory
from children.services import child_exit
from children.tests.factories import ChildFactory, make_id_number
from core.ledger.workbook import LedgerWriter, new_workbook
from core.tests.ledger_helpers import xlsx

TITLE_ROWS = [["方山县困境儿童花名册"], ["填报单位：方山县民政局", None, None, "填报日期：2025年1月31日"]]
HEADER = ["序号", "儿童姓名", "公民身份号码", "所在村", "类别"]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def full_width(number: str) -> str:
    return number.translate(FULL_WIDTH)


def bad_check_character(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def world_of_children(regions):
    """Our children (in 圪洞镇 unless said) and the rows of their list about them."""
    category = ChildCategory.objects.get(name="农村留守儿童")
    a1, a2, b1 = regions["village_a1"], regions["village_a2"], regions["village_b1"]
    ours = {
        "same": ChildFactory(name="张三", region=a1, category=category),
        "name": ChildFactory(name="李四", region=a1, category=category),
        "category": ChildFactory(name="王五", region=a1, category=category),
        "village": ChildFactory(name="赵六", region=a1, category=category),
        "unknown_category": ChildFactory(name="陈一", region=a2, category=category),
        "exited": ChildFactory(name="钱七", region=a1, category=category),
        "ours_only": ChildFactory(name="孙八", region=a2, category=category),
        "exited_not_listed": ChildFactory(name="冯二", region=a2, category=category),
        "other_township": ChildFactory(name="周九", region=b1, category=category),
    }
    for key in ("exited", "exited_not_listed"):
        child_exit(child=ours[key], reason=Child.ExitReason.MOVED, on=datetime.date(2024, 6, 30))
    unregistered = make_id_number("141128100001", born=datetime.date(2016, 5, 5))
    bad = bad_check_character(make_id_number("141128100001", born=datetime.date(2017, 7, 7)))
    rows = [
        # the same child: the ID typed in full-width digits, the village and category spelt differently
        [1, "张三", full_width(ours["same"].id_number), "武当村", "留守儿童"],
        [2, "李 思", ours["name"].id_number, "武当社区", "农村留守儿童"],
        [3, "王五", ours["category"].id_number, "武当社区", "困境儿童"],
        [4, "赵六", ours["village"].id_number, "城内村", "农村留守儿童"],
        [5, "陈一", ours["unknown_category"].id_number, "城内村", "低保家庭子女"],
        [6, "钱七", ours["exited"].id_number, "武当社区", "农村留守儿童"],
        [7, "周九", ours["other_township"].id_number, "东村", "农村留守儿童"],
        [8, "吴十", unregistered, "城内村", "困境儿童"],
        [9, "郑十一", bad, "城内村", "困境儿童"],
        [10, "张三", ours["same"].id_number, "武当社区", "农村留守儿童"],  # the same child twice
        [None, None, None, None, None],
        ["填表人：刘", None, "审核人：王", None, None],
    ]
    return ours, rows, {"unregistered": unregistered, "bad": bad}


def roster_file(rows, header=HEADER, title_rows=TITLE_ROWS) -> bytes:
    return xlsx([header, *rows], title_rows=title_rows)


def roster_of(count: int, region) -> bytes:
    """A roster of ``count`` registered children of ``region`` (timings), written by the project's writer."""
    category = ChildCategory.objects.get(name="困境儿童")
    first = datetime.date(2010, 1, 1)
    children = Child.objects.bulk_create(
        [
            Child(
                name=f"儿童{n}",
                id_number=make_id_number(region.code, born=first + datetime.timedelta(days=n // 40)),
                gender="M",
                birth_date=first + datetime.timedelta(days=n // 40),
                category=category,
                region=region,
            )
            for n in range(count)
        ]
    )
    buffer, workbook = new_workbook()
    sheet = LedgerWriter(workbook, "名单", ["姓名", "身份证号码", "村（社区）", "类别"], title="花名册")
    for child in children:
        sheet.write_row([child.name, child.id_number, region.name, "困境儿童"])
    sheet.finish()
    workbook.close()
    return buffer.getvalue()
