"""Row-level rules of the ledger import, with small files the tests build."""

import datetime

import pytest

from activities.models import Activity, Visit
from children.models import CardChange, Child
from children.resources import IMPORT_REASON, ChildResource
from core.signals import ledger_imported
from pairing.models import Pairing
from volunteers.models import Volunteer, VolunteerTeam
from volunteers.tests.factories import VolunteerFactory

from .ledger_helpers import counts, csv_bytes, errors, id_number, import_bytes, xls, xlsx

CHILD_HEADER = ["序号", "姓名", "性别", "身份证号码", "乡镇（街道）", "村（社区）", "儿童类别", "困境类型", "三色卡"]
TITLE = [["方山县“爱心妈妈”困境儿童基础台账"], ["填报单位：（盖章）"]]


def child_row(
    n=1,
    name="张三",
    number=None,
    gender="",
    town="圪洞镇",
    village="武当社区",
    category="困境儿童",
    difficulty="重病",
    colour="红",
):
    return [n, name, gender, number or id_number(serial=n), town, village, category, difficulty, colour]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "build",
    [
        lambda rows: xlsx(rows, TITLE),
        lambda rows: xls([*TITLE, *rows]),
        lambda rows: csv_bytes(rows, "utf-8"),
        lambda rows: csv_bytes(rows, "utf-8-sig"),
        lambda rows: csv_bytes(rows, "gb18030"),
    ],
    ids=["xlsx", "xls", "csv-utf8", "csv-utf8-bom", "csv-gb18030"],
)
def test_it_reads_xlsx_xls_and_csv_in_each_encoding(users, build):
    data = build([CHILD_HEADER, child_row(1), child_row(2, name="李四", colour="绿卡")])
    result = import_bytes("children", data, users["admin"])
    assert counts(result) == {"new": 2, "updated": 0, "conflicts": 0, "skipped": 0, "errors": 0}
    assert Child.objects.get(name="张三").card_colour == "red"
    assert Child.objects.get(name="李四").card_colour == "green"
    assert list(Child.objects.get(name="张三").difficulties.values_list("name", flat=True)) == ["重病"]


@pytest.mark.django_db
def test_it_reads_alternative_header_names_and_column_orders(users):
    header = ["所在村（社区）", "儿童身份证号", "儿童姓名", "类别", "卡片颜色", "所在乡镇", "困境类别", "出生年月"]
    row = ["东村", id_number(serial=3), "王五", "孤儿", "黄色", "大武镇", "监护缺失、重病", "2015年3月"]
    result = import_bytes("children", xlsx([header, row]), users["admin"])
    assert counts(result)["new"] == 1, errors(result)
    child = Child.objects.get()
    assert (child.name, child.region.name, child.card_colour) == ("王五", "东村", "yellow")
    assert child.difficulties.count() == 2


@pytest.mark.django_db
def test_a_blank_gender_comes_from_the_id_and_a_contradicting_one_is_an_error(users):
    boy = id_number(serial=1, male=True)
    rows = [
        CHILD_HEADER,
        child_row(1, number=boy, gender=""),
        child_row(2, number=id_number(serial=2, male=True), gender="女"),
    ]
    result = import_bytes("children", xlsx(rows), users["admin"])
    assert list(errors(result)) == [(3, "性别")]
    assert Child.objects.count() == 0
    result = import_bytes("children", xlsx(rows[:2]), users["admin"])
    assert Child.objects.get().gender == "M"


@pytest.mark.django_db
def test_an_id_stored_as_a_number_says_how_to_fix_it(users):
    number = id_number(serial=4)
    rows = [CHILD_HEADER, child_row(1, number=float(number)), child_row(2, number="1.41128E+17")]
    result = import_bytes("children", xlsx(rows), users["admin"])
    found = errors(result)
    assert set(found) == {(2, "身份证号码"), (3, "身份证号码")}
    assert all("文本" in m or "text" in m for messages in found.values() for m in messages)


@pytest.mark.django_db
def test_a_bad_check_digit_is_an_error_and_lower_case_x_is_accepted(users):
    good = id_number(serial=5)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=bad)]), users["admin"]).invalid_rows
    first17 = "14112820150302" + "019"
    from core.idnumber import check_character

    for digits in (f"{n:03d}" for n in range(100, 200)):
        first17 = "14112820150302" + digits
        if check_character(first17) == "X":
            break
    result = import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=first17 + "x")]), users["admin"])
    assert counts(result)["new"] == 1
    assert Child.objects.get().id_number.endswith("X")


@pytest.mark.django_db
def test_a_child_who_has_turned_18_is_still_imported(users):
    number = id_number(born=datetime.date(2000, 1, 1), serial=6)
    result = import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=number)]), users["admin"])
    assert counts(result)["new"] == 1
    assert Child.objects.get().age >= 18


@pytest.mark.django_db
def test_a_township_user_cannot_import_into_another_township(users):
    rows = [CHILD_HEADER, child_row(1), child_row(2, town="大武镇", village="东村")]
    result = import_bytes("children", xlsx(rows), users["town_a"])
    assert list(errors(result)) == [(3, "乡镇（街道）")]
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_unknown_lookups_list_the_allowed_values(users):
    result = import_bytes("children", xlsx([CHILD_HEADER, child_row(1, category="外星儿童")]), users["admin"])
    message = " ".join(errors(result)[(2, "儿童类别")])
    assert "外星儿童" in message and "农村留守儿童" in message


@pytest.mark.django_db
def test_it_reports_every_error_at_once_with_row_column_and_value_and_writes_nothing(users):
    rows = [CHILD_HEADER, child_row(1), child_row(2, village="火星村"), child_row(3, colour="蓝"), child_row(4)]
    result = import_bytes("children", xlsx(rows, TITLE), users["admin"])
    found = errors(result)
    assert set(found) == {(5, "村（社区）"), (6, "三色卡")}
    assert "火星村" in found[(5, "村（社区）")][0]
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_a_child_listed_twice_is_skipped_when_it_agrees_and_an_error_when_not(users):
    number = id_number(serial=7)
    same = [CHILD_HEADER, child_row(1, number=number), child_row(2, number=number)]
    result = import_bytes("children", xlsx(same), users["admin"])
    assert counts(result) == {"new": 1, "updated": 0, "conflicts": 0, "skipped": 1, "errors": 0}
    assert result.notes and result.notes[0][0] == 3
    clash = [CHILD_HEADER, child_row(1, number=number), child_row(2, name="别人", number=number)]
    assert errors(import_bytes("children", xlsx(clash), users["admin"]))


@pytest.mark.django_db
def test_blank_and_signature_rows_are_skipped_and_counted(users):
    rows = [CHILD_HEADER, child_row(1), [""] * 9, ["填表人：张某某", "", "审核人：李某某"]]
    result = import_bytes("children", xlsx(rows), users["admin"])
    assert counts(result) == {"new": 1, "updated": 0, "conflicts": 0, "skipped": 2, "errors": 0}


@pytest.mark.django_db
def test_a_changed_row_updates_and_a_changed_colour_is_recorded_as_a_card_change(users):
    number = id_number(serial=8)
    import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=number, colour="绿")]), users["admin"])
    result = import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=number, colour="红")]), users["admin"])
    assert counts(result)["updated"] == 1
    # The first colour is a card change too (from none), then the change the second file made.
    changes = CardChange.objects.order_by("pk").values_list("from_colour", "to_colour")
    assert list(changes) == [("", "green"), ("green", "red")]


@pytest.mark.django_db
def test_new_children_have_a_history_record_by_the_importer(users):
    rows = [CHILD_HEADER, child_row(1, difficulty="重病、单亲家庭"), child_row(2, name="李四", difficulty="")]
    import_bytes("children", xlsx(rows), users["admin"])
    child = Child.objects.get(name="张三")
    record = child.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        users["admin"],
        IMPORT_REASON,
    )
    assert (record.gender, record.birth_date) == (child.gender, child.birth_date) == ("M", datetime.date(2015, 3, 2))
    assert sorted(child.difficulties.values_list("name", flat=True)) == ["单亲家庭", "重病"]
    assert not Child.objects.get(name="李四").difficulties.exists()


@pytest.mark.django_db
def test_an_updated_child_has_a_history_record_by_the_importer(users):
    import_bytes("children", xlsx([CHILD_HEADER, child_row(1)]), users["admin"])
    import_bytes("children", xlsx([CHILD_HEADER, child_row(1, name="张三丰")]), users["town_a"])
    record = Child.objects.get().history.latest()
    assert (record.history_type, record.name, record.history_user, record.history_change_reason) == (
        "~",
        "张三丰",
        users["town_a"],
        IMPORT_REASON,
    )


@pytest.mark.django_db
def test_it_names_the_row_the_database_refuses_in_a_batch_and_writes_nothing(users, regions, monkeypatch):
    # 30 new children go in batches of 3; the fifth child (Excel row 6) is in the middle of one.
    taken = id_number(serial=5)
    prepare = ChildResource.prepare

    def prepare_then_someone_else_registers_the_fifth_child(self, rows):
        prepare(self, rows)  # the fifth child looks new to the import…
        Child.objects.create(
            name="童5", id_number=taken, category=self.categories.get("孤儿"), region=regions["village_a1"]
        )

    monkeypatch.setattr(ChildResource, "prepare", prepare_then_someone_else_registers_the_fifth_child)
    rows = [CHILD_HEADER, *[child_row(n, name=f"童{n}", number=id_number(serial=n)) for n in range(1, 31)]]
    result = import_bytes("children", xlsx(rows), users["admin"])
    assert [row.number for row in result.invalid_rows] == [6]
    assert counts(result)["new"] == 0
    assert list(Child.objects.values_list("name", flat=True)) == ["童5"]


@pytest.mark.django_db
def test_it_reports_progress_in_steps_while_writing_new_children(users):
    from core.ledger.formats import LedgerFileFormat

    rows = [CHILD_HEADER, *[child_row(n, name=f"童{n}", number=id_number(serial=n)) for n in range(1, 31)]]
    resource = ChildResource(user=users["admin"])
    steps = []
    resource.progress = lambda done, total: steps.append((done, total))
    resource.import_data(LedgerFileFormat().create_dataset(xlsx(rows)))
    assert len(steps) >= 5 and steps[-1] == (30, 30)
    assert [done for done, _ in steps] == sorted({done for done, _ in steps})
    assert Child.objects.count() == 30


@pytest.mark.django_db
def test_it_sends_ledger_imported_after_a_committed_import_only(users):
    received = []

    def listener(**kwargs):
        received.append(kwargs)

    ledger_imported.connect(listener)
    try:
        import_bytes("children", xlsx([CHILD_HEADER, child_row(1)]), users["admin"], dry_run=True)
        assert received == []
        import_bytes("children", xlsx([CHILD_HEADER, child_row(1)]), users["admin"])
    finally:
        ledger_imported.disconnect(listener)
    assert len(received) == 1
    assert received[0]["ledger"] == "children" and received[0]["user"] == users["admin"]
    assert received[0]["counts"] == {"new": 1, "updated": 0, "conflicts": 0, "skipped": 0, "errors": 0}


MOTHER_HEADER = ["序号", "爱心妈妈姓名", "手机号码", "单位", "行业", "特长", "服务队", "所在乡镇", "加入时间"]


@pytest.mark.django_db
def test_mothers_import_creates_missing_teams_in_the_users_region_and_splits_skills(users, regions):
    rows = [
        MOTHER_HEADER,
        [
            1,
            "赵六",
            "13800000001",
            "县医院",
            "医护人员",
            "医疗服务 法律咨询；心理健康",
            "新服务队",
            "圪洞镇",
            "2024.5.1",
        ],
    ]
    result = import_bytes("volunteers", xlsx(rows), users["town_a"])
    assert counts(result)["new"] == 1, errors(result)
    mother = Volunteer.objects.get()
    assert mother.skills == "医疗服务、法律咨询、心理健康"
    assert mother.team == VolunteerTeam.objects.get(name="新服务队", region=regions["town_a"])
    assert mother.joined_on == datetime.date(2024, 5, 1)
    again = import_bytes("volunteers", xlsx(rows), users["town_a"])
    assert counts(again) == {"new": 0, "updated": 0, "conflicts": 0, "skipped": 1, "errors": 0}


@pytest.mark.django_db
def test_an_unknown_sector_is_an_error(users):
    rows = [MOTHER_HEADER, [1, "赵六", "13800000001", "", "宇航员", "", "", "圪洞镇", ""]]
    assert (2, "职业类别") in errors(import_bytes("volunteers", xlsx(rows), users["admin"]))


PAIR_HEADER = ["序号", "儿童姓名", "儿童身份证号码", "爱心妈妈", "联系电话", "结对形式", "结对日期"]


@pytest.mark.django_db
def test_pairing_mode_must_agree_with_the_mothers_listed(users, regions):
    number = id_number(serial=9)
    import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=number)]), users["admin"])
    VolunteerFactory(name="甲", phone="13800000011", region=regions["town_a"])
    VolunteerFactory(name="乙", phone="13800000012", region=regions["town_a"])
    rows = [
        PAIR_HEADER,
        [1, "张三", number, "甲", "", "一对一", "2024-06-01"],
        [2, "张三", number, "乙", "", "一对一", "2024-06-02"],
    ]
    result = import_bytes("pairings", xlsx(rows), users["admin"])
    assert (2, "结对方式") in errors(result)
    rows[1][5] = rows[2][5] = "多对一"
    result = import_bytes("pairings", xlsx(rows), users["admin"])
    assert counts(result)["new"] == 2
    pairing = Pairing.objects.get()
    assert pairing.mode == Pairing.Mode.MANY_TO_ONE and pairing.started_on == datetime.date(2024, 6, 1)


@pytest.mark.django_db
def test_a_mother_named_twice_needs_the_phone(users, regions):
    number = id_number(serial=10)
    import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=number)]), users["admin"])
    VolunteerFactory(name="甲", phone="13800000021", region=regions["town_a"])
    VolunteerFactory(name="甲", phone="13800000022", region=regions["town_b"])
    rows = [PAIR_HEADER, [1, "张三", number, "甲", "", "一对一", "2024-06-01"]]
    assert (2, "爱心妈妈姓名") in errors(import_bytes("pairings", xlsx(rows), users["admin"]))
    rows[1][4] = "13800000022"
    assert counts(import_bytes("pairings", xlsx(rows), users["admin"]))["new"] == 1
    assert Pairing.objects.get().members.get().volunteer.phone == "13800000022"


VISIT_HEADER = [
    "序号",
    "儿童姓名",
    "身份证号",
    "走访时间",
    "走访形式",
    "走访人员",
    "走访情况",
    "帮扶措施",
    "物资价值（元）",
    "三色卡",
]


@pytest.mark.django_db
def test_a_visit_reassessment_changes_the_card_through_the_service(users, regions):
    number = id_number(serial=11)
    import_bytes("children", xlsx([CHILD_HEADER, child_row(1, number=number, colour="绿")]), users["admin"])
    VolunteerFactory(name="甲", phone="13800000031", region=regions["town_a"])
    rows = [
        VISIT_HEADER,
        [1, "张三", number, "2025年1月2日", "入户走访", "甲、村干部王某", "好", "书包", "150元", "黄卡"],
    ]
    result = import_bytes("visits", xlsx(rows), users["admin"])
    assert counts(result)["new"] == 1, errors(result)
    visit = Visit.objects.get()
    assert visit.goods_value == 150 and visit.staff_visitors == "村干部王某"
    assert [v.name for v in visit.visitors.all()] == ["甲"]
    change = CardChange.objects.exclude(from_colour="").get()  # the other is the first colour, from none
    assert (change.to_colour, change.reason, change.effective_on) == ("yellow", "走访评估", datetime.date(2025, 1, 2))
    assert counts(import_bytes("visits", xlsx(rows), users["admin"]))["new"] == 0


ACTIVITY_HEADER = [
    "活动主题",
    "活动时间",
    "活动类别",
    "地点",
    "乡镇",
    "儿童人数",
    "爱心妈妈人数",
    "受益人次",
    "物资折价（元）",
    "活动简介",
]


@pytest.mark.django_db
def test_activities_import_by_title_date_and_township(users):
    rows = [ACTIVITY_HEADER, ["亲子阅读", "2024/4/29", "亲子阅读", "工作站", "圪洞镇", "35人", 4, "", "1,200元", ""]]
    assert counts(import_bytes("activities", xlsx(rows), users["admin"]))["new"] == 1
    activity = Activity.objects.get()
    assert (activity.children_count, activity.goods_value, activity.region.name) == (35, 1200, "圪洞镇")
    rows[1][3] = "新地点"
    assert counts(import_bytes("activities", xlsx(rows), users["admin"]))["updated"] == 1
    assert Activity.objects.get().place == "新地点"


@pytest.mark.django_db
def test_imported_activities_have_history_records_by_the_importer(users):
    blank = ["", "", "", "", ""]
    rows = [ACTIVITY_HEADER, *[[f"活动{n}", "2024/4/29", "亲子阅读", "", "圪洞镇", *blank] for n in range(12)]]
    assert counts(import_bytes("activities", xlsx(rows), users["admin"]))["new"] == 12
    rows[1][3] = "新地点"
    assert counts(import_bytes("activities", xlsx(rows), users["town_a"]))["updated"] == 1
    records = Activity.history.filter(title="活动0").order_by("history_date")
    assert [(r.history_type, r.place, r.history_user, r.history_change_reason) for r in records] == [
        ("+", "", users["admin"], IMPORT_REASON),
        ("~", "新地点", users["town_a"], IMPORT_REASON),
    ]
    assert Activity.history.filter(history_type="+", history_user=users["admin"]).count() == 12


@pytest.mark.django_db
def test_a_preview_finds_field_errors_without_writing(users):
    rows = [CHILD_HEADER, child_row(1, name="长" * 60)]
    result = import_bytes("children", xlsx(rows), users["admin"], dry_run=True)
    assert [r.number for r in result.invalid_rows] == [2]
    assert counts(import_bytes("children", xlsx(rows), users["admin"]))["errors"] == 1
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_rows_matching_records_outside_the_users_area_are_errors(users, world):
    other = world["b"]["child"]
    rows = [CHILD_HEADER, child_row(1, name=other.name, number=other.id_number)]
    result = import_bytes("children", xlsx(rows), users["town_a"])
    assert (2, "身份证号码") in errors(result)
    mother = world["b"]["mother"]
    rows = [MOTHER_HEADER, [1, mother.name, mother.phone, "", "", "", "", "圪洞镇", ""]]
    assert (2, "联系电话") in errors(import_bytes("volunteers", xlsx(rows), users["town_a"]))
    assert Child.objects.get(pk=other.pk).region == other.region
