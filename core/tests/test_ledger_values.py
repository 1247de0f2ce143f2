"""Each value spelling and header variant the issue lists is understood."""

import datetime
from decimal import Decimal

import pytest

from children.resources import ChildResource
from core.ledger.headers import HeaderError, find_header, is_footer, normalise_header
from core.ledger.values import (
    CellError,
    parse_colour,
    parse_count,
    parse_date,
    parse_gender,
    parse_money,
    split_list,
    split_skills,
    text,
)


@pytest.mark.parametrize(
    "raw",
    [
        datetime.date(2015, 3, 2),
        datetime.datetime(2015, 3, 2, 0, 0),
        42065.0,  # Excel serial number
        "2015-03-02",
        "2015/3/2",
        "2015.3.2",
        "2015年3月2日",
        "20150302",
        20150302.0,
        "２０１５－０３－０２",  # full-width
        " 2015-03-02 ",
    ],
)
def test_it_reads_every_date_spelling(raw):
    assert parse_date(raw) == datetime.date(2015, 3, 2)


@pytest.mark.parametrize("raw", ["2015年13月45日", "2015-02-30", "20151341", "next week"])
def test_it_rejects_impossible_dates(raw):
    with pytest.raises(CellError):
        parse_date(raw)


def test_it_reads_a_year_and_month_as_the_first_of_the_month_only_when_allowed():
    assert parse_date("2015年3月", allow_month=True) == datetime.date(2015, 3, 1)
    with pytest.raises(CellError):
        parse_date("2015年3月")


@pytest.mark.parametrize(
    "raw,colour",
    [
        ("红", "red"),
        ("红色", "red"),
        ("红卡", "red"),
        ("黄", "yellow"),
        ("黄色", "yellow"),
        ("黄卡", "yellow"),
        ("绿", "green"),
        ("绿色", "green"),
        ("绿卡", "green"),
        (" 绿 ", "green"),
        ("", ""),
    ],
)
def test_it_reads_every_colour_spelling(raw, colour):
    assert parse_colour(raw) == colour


def test_it_rejects_an_unknown_colour():
    with pytest.raises(CellError):
        parse_colour("蓝")


@pytest.mark.parametrize("raw,gender", [("男", "M"), ("女", "F"), ("男性", "M"), (" 女 ", "F"), ("", "")])
def test_it_reads_genders(raw, gender):
    assert parse_gender(raw) == gender


@pytest.mark.parametrize(
    "raw,amount",
    [
        ("150元", Decimal(150)),
        ("", Decimal(0)),
        (None, Decimal(0)),
        (150.0, Decimal(150)),
        ("1,200", Decimal(1200)),
        ("１５０元", Decimal(150)),
        (" 99.5 ", Decimal("99.5")),
    ],
)
def test_it_reads_money(raw, amount):
    assert parse_money(raw) == amount


@pytest.mark.parametrize("raw", ["-5", "很多"])
def test_it_rejects_bad_money(raw):
    with pytest.raises(CellError):
        parse_money(raw)


def test_it_reads_counts_with_units():
    assert parse_count("35人") == 35
    assert parse_count(12.0) == 12
    assert parse_count("") == 0
    with pytest.raises(CellError):
        parse_count("3.5")


def test_it_splits_lists_on_every_separator():
    assert split_list("重病、单亲家庭，监护缺失,自身残疾；父母服刑;家庭经济困难") == [
        "重病",
        "单亲家庭",
        "监护缺失",
        "自身残疾",
        "父母服刑",
        "家庭经济困难",
    ]
    assert split_skills("医疗服务 法律咨询、心理健康") == ["医疗服务", "法律咨询", "心理健康"]


def test_it_trims_full_width_spaces_and_makes_full_width_characters_half_width():
    assert text("\u3000张三\u3000") == "张三"
    assert text("ＡＢ１２") == "AB12"
    assert text(13800000000.0) == "13800000000"


def test_header_names_ignore_spaces_and_bracket_width():
    assert normalise_header("乡镇（街道）") == normalise_header("乡 镇(街道)") == "乡镇(街道)"


ALL_CHILD_HEADERS = {
    "name": ["姓名", "儿童姓名"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "儿童身份证号", "儿童身份证号码"],
    "gender": ["性别"],
    "birth_date": ["出生日期", "出生年月"],
    "township": ["乡镇", "乡镇（街道）", "所在乡镇", "所在乡镇（街道）", "乡镇(街道)"],
    "village": ["村", "村（社区）", "所在村", "所在村（社区）", "村 (社区)"],
    "category": ["类别", "儿童类别"],
    "difficulties": ["困境类型", "困境类别"],
    "colour": ["三色卡", "卡片颜色"],
    "guardian_name": ["监护人", "监护人姓名"],
    "guardian_relation": ["与儿童关系", "监护关系"],
    "guardian_phone": ["监护人电话", "联系电话"],
    "school": ["学校", "就读学校"],
    "grade": ["年级", "就读年级"],
    "address": ["家庭住址", "现住址", "住址"],
    "notes": ["备注"],
}


@pytest.mark.parametrize("key,name", [(key, name) for key, names in ALL_CHILD_HEADERS.items() for name in names])
def test_it_understands_every_children_header_name(key, name):
    header = ["序号", "姓名", "身份证号码", "村", "类别"]
    replaced = {"name": 1, "id_number": 2, "village": 3, "category": 4}
    if key in replaced:
        header[replaced[key]] = name
    else:
        header.append(name)
    rows = [["某县困境儿童基础台账"], ["填报单位：某县妇联"], header]
    index, mapping = find_header(rows, ChildResource.columns)
    assert index == 2
    assert mapping[key] == header.index(name)


def test_a_missing_required_column_names_it_and_lists_the_headers_found():
    rows = [["序号", "姓名", "身份证号码", "乡镇", "村"]]
    with pytest.raises(HeaderError) as caught:
        find_header(rows, ChildResource.columns)
    message = str(caught.value)
    assert "儿童类别" in message and "身份证号码" in message and "乡镇" in message


def test_a_header_below_the_first_ten_rows_is_not_found():
    rows = [["标题"]] * 10 + [["姓名", "身份证号码", "村", "类别"]]
    with pytest.raises(HeaderError):
        find_header(rows, ChildResource.columns)


@pytest.mark.parametrize("first", ["填表人：张某", "审核人：李某", "负责人：", "制表：王某", "联系人：赵某", " 填表人"])
def test_it_recognises_signature_footers(first):
    assert is_footer(["", first, "", "审核人"])
    assert not is_footer(["", "张三", "填表人"])
