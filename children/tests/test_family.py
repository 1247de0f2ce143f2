"""Family and guardianship (issue 14, item 1): the official form's columns import into the
family fields, bad values are Chinese row errors that write nothing, the database keeps the
rules, the 事实无人抚养 warning, and the family's numbers are masked like the guardian's."""

import datetime
import io

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from children.family import parents_qualify_de_facto, split_place
from children.models import Child, ChildCategory
from children.resources import ChildResource
from children.tests.factories import ChildFactory
from core.tests.ledger_helpers import counts, errors, id_number, import_bytes, xlsx
from core.tests.test_masking_reconstruction import every_page, id_candidates, page_text, phone_candidates

pytestmark = pytest.mark.django_db

#: 《农村留守儿童基本情况登记表》's columns, as a county's sheet names them.
OFFICIAL_HEADER = [
    "序号", "姓名", "身份证号码", "乡镇（街道）", "村（社区）", "儿童类别", "民族", "户籍性质", "户籍所在地",
    "健康状况", "残疾类别", "残疾等级", "就学情况", "就读学校", "年级", "是否寄宿",
    "父亲姓名", "父亲身份证号", "父亲状况", "父亲务工地点", "父亲联系电话",
    "母亲姓名", "母亲身份证号", "母亲状况", "母亲务工地点", "母亲联系电话",
    "委托监护人姓名", "与儿童关系", "委托监护人身份证号", "委托监护人电话", "委托监护人住址", "书面告知日期",
    "监护类型", "监护评估", "监护评估日期", "家庭收入来源", "享受救助", "享受低保", "享受医疗救助",
]  # fmt: skip
FATHER_ID = id_number(born=datetime.date(1985, 6, 1), serial=31)
MOTHER_ID = id_number(born=datetime.date(1987, 2, 3), serial=32, male=False)
CARER_ID = id_number(born=datetime.date(1958, 9, 9), serial=33, male=False)


def official_row(n=1, name="王小花", father_status="外出务工", father_place="广东省深圳市", **over):
    values = {
        "序号": n, "姓名": name, "身份证号码": id_number(serial=40 + n), "乡镇（街道）": "圪洞镇",
        "村（社区）": "武当社区", "儿童类别": "农村留守儿童", "民族": "汉族", "户籍性质": "农业",
        "户籍所在地": "山西省方山县圪洞镇", "健康状况": "残疾", "残疾类别": "肢体", "残疾等级": "二级",
        "就学情况": "小学", "就读学校": "圪洞镇中心小学", "年级": "三年级", "是否寄宿": "是",
        "父亲姓名": "王大山", "父亲身份证号": FATHER_ID, "父亲状况": father_status, "父亲务工地点": father_place,
        "父亲联系电话": "13912340001", "母亲姓名": "李小梅", "母亲身份证号": MOTHER_ID, "母亲状况": "离异",
        "母亲务工地点": "", "母亲联系电话": "13912340002", "委托监护人姓名": "王奶奶", "与儿童关系": "祖母",
        "委托监护人身份证号": CARER_ID, "委托监护人电话": "13912340003", "委托监护人住址": "武当社区3号",
        "书面告知日期": "2025-03-01", "监护类型": "受委托监护人监护能力不足", "监护评估": "一般",
        "监护评估日期": "2025-03-02", "家庭收入来源": "外出务工、务农", "享受救助": "临时救助",
        "享受低保": "是", "享受医疗救助": "否",
    }  # fmt: skip
    values.update(over)
    return [values[h] for h in OFFICIAL_HEADER]


def test_official_form_ledger_imports_into_the_family_records(users):
    data = xlsx([OFFICIAL_HEADER, official_row()], [["农村留守儿童基本情况登记表"], ["填报单位：圪洞镇"]])
    result = import_bytes("children", data, users["admin"])
    assert counts(result)["new"] == 1, errors(result)
    child = Child.objects.get(name="王小花")
    assert (child.father_name, child.father_id_number, child.father_status) == ("王大山", FATHER_ID, "migrant")
    assert (child.father_work_province, child.father_work_city, child.father_phone) == (
        "广东省",
        "深圳市",
        "13912340001",
    )
    assert (child.mother_status, child.mother_phone, child.mother_id_number) == ("divorced", "13912340002", MOTHER_ID)
    assert (child.guardian_name, child.guardian_relation, child.guardian_phone) == ("王奶奶", "祖母", "13912340003")
    assert (child.guardian_id_number, child.guardian_address) == (CARER_ID, "武当社区3号")
    assert child.guardian_notified_on == datetime.date(2025, 3, 1)
    assert (child.guardianship_type, child.guardianship_rating) == ("carer_weak", "fair")
    assert child.guardianship_rated_on == datetime.date(2025, 3, 2)
    assert (child.health_status, child.disability_category, child.disability_grade) == ("disabled", "physical", "2")
    assert (child.school_stage, child.boarding, child.school, child.grade) == (
        "primary",
        True,
        "圪洞镇中心小学",
        "三年级",
    )
    assert (child.ethnicity, child.hukou_type, child.hukou_place) == ("汉族", "agricultural", "山西省方山县圪洞镇")
    assert child.income_sources == ["wages", "farming"]
    assert child.aid_received == ["dibao", "temporary"]  # the 享受救助 list and the 享受低保 tick
    assert child.history.count() == 1  # kept in the child's history


def test_a_bad_parent_status_is_a_chinese_row_error_and_nothing_is_written(users):
    rows = [OFFICIAL_HEADER, official_row(1), official_row(2, name="赵小军", father_status="出国")]
    result = import_bytes("children", xlsx(rows), users["admin"])
    found = errors(result)
    assert list(found) == [(3, "父亲状况")]
    assert "未知的值" in found[(3, "父亲状况")][0] or "外出务工" in found[(3, "父亲状况")][0]
    assert "外出务工、在家、离异不在身边、死亡" in found[(3, "父亲状况")][0]
    assert not Child.objects.exists()


def test_working_away_without_a_place_is_a_row_error(users):
    result = import_bytes("children", xlsx([OFFICIAL_HEADER, official_row(father_place="")]), users["admin"])
    assert errors(result) == {(2, "父亲务工地点"): ["外出务工的父母须填写务工地点（省、市）。"]}
    assert not Child.objects.exists()


def test_an_older_ledger_without_the_family_columns_keeps_the_family_record(users, regions):
    child = ChildFactory(name="张三", id_number=id_number(serial=7), region=regions["village_a1"], father_name="张父")
    header = ["姓名", "身份证号码", "村（社区）", "儿童类别"]
    result = import_bytes(
        "children", xlsx([header, ["张三", child.id_number, "武当社区", "农村留守儿童"]]), users["admin"]
    )
    assert counts(result)["errors"] == 0
    child.refresh_from_db()
    assert child.father_name == "张父"


@pytest.mark.parametrize(
    "values",
    [
        {"father_status": "abroad"},
        {"father_status": "migrant", "father_work_province": ""},
        {"health_status": "disabled"},
        {"guardianship_rating": "good", "guardianship_rated_on": None},
        {"school_stage": "college"},
    ],
)
def test_the_database_refuses_a_family_record_that_breaks_a_rule(regions, values):
    child = ChildFactory(region=regions["village_a1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Child.objects.filter(pk=child.pk).update(**values)


def test_the_de_facto_rule():
    assert parents_qualify_de_facto("imprisoned", "missing")
    assert parents_qualify_de_facto("dead", "ill")
    assert not parents_qualify_de_facto("dead", "dead")  # an orphan
    assert not parents_qualify_de_facto("imprisoned", "home")
    assert not parents_qualify_de_facto("", "missing")
    assert split_place("广东 深圳") == ("广东", "深圳") and split_place("上海市浦东新区") == ("上海市", "浦东新区")


def test_de_facto_category_against_the_parents_is_warned_on_the_profile_and_the_admin_form(client, users, regions):
    child = ChildFactory(
        region=regions["village_a1"],
        category=ChildCategory.objects.get(name="事实无人抚养儿童"),
        father_status="imprisoned",
        mother_status="home",
    )
    client.force_login(users["admin"])
    profile = client.get(reverse("children:profile", args=[child.pk])).content.decode()
    assert "儿童类别为事实无人抚养儿童，但父母状况与之不符" in profile
    form = client.get(reverse("admin:children_child_change", args=[child.pk])).content.decode()
    assert "儿童类别为事实无人抚养儿童，但父母状况与之不符" in form
    for fieldset in ("家庭与监护", "健康与就学", "户籍与救助"):
        assert fieldset in form
    Child.objects.filter(pk=child.pk).update(mother_status="missing")
    profile = client.get(reverse("children:profile", args=[child.pk])).content.decode()
    assert "父母状况与之不符" not in profile and "父母状况符合事实无人抚养儿童" not in profile
    Child.objects.filter(pk=child.pk).update(category=ChildCategory.objects.get(name="农村留守儿童"))
    profile = client.get(reverse("children:profile", args=[child.pk])).content.decode()
    assert "父母状况符合事实无人抚养儿童，但儿童类别为农村留守儿童" in profile


def test_the_profile_shows_the_family(client, users, regions):
    child = ChildFactory(
        region=regions["village_a1"], father_name="王大山", father_status="migrant", father_work_province="广东省",
        father_work_city="深圳市", school_stage="junior", boarding=False, aid_received=["dibao", "medical"],
    )  # fmt: skip
    client.force_login(users["admin"])
    page = client.get(reverse("children:profile", args=[child.pk])).content.decode()
    for text in ("家庭与监护", "王大山", "外出务工", "广东省深圳市", "初中", "低保、医疗救助"):
        assert text in page


def test_the_profile_query_count_does_not_grow_with_the_family(client, users, regions, django_assert_max_num_queries):
    child = ChildFactory(region=regions["village_a1"], father_status="dead", mother_status="ill")
    client.force_login(users["town_a"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("children:profile", args=[child.pk])).status_code == 200


# -- masking: rebuild the family's numbers from what each page and file shows -------------

FATHER_PHONE, MOTHER_PHONE = "13712345671", "13712345672"


@pytest.fixture
def family_child(world, users):
    """A child whose family's numbers were corrected once: the history shows the change."""
    child = ChildFactory(
        name="丁童",
        region=world["regions"]["village_a1"],
        father_name="丁父",
        father_id_number=CARER_ID,
        father_phone=MOTHER_PHONE,
        mother_id_number=MOTHER_ID,
        guardian_name="丁奶奶",
    )
    child.father_id_number, child.father_phone = FATHER_ID, FATHER_PHONE
    child.mother_phone, child.guardian_id_number = MOTHER_PHONE, CARER_ID
    child.save()
    return child


@pytest.mark.security
@pytest.mark.parametrize("role", ["town_a", "viewer"])
def test_no_page_narrows_a_parent_or_carer_number_below_the_floor(client, users, family_child, role):
    user = users[role]
    client.force_login(user)
    narrowed, shown = [], set()
    for name, response in every_page(client, user, family_child):
        if response.status_code in (403, 404):
            continue
        text = page_text(response)
        for number in (FATHER_ID, MOTHER_ID, CARER_ID):
            if id_candidates(text, number) < 1_000:
                narrowed.append((name, number))
        for phone in (FATHER_PHONE, MOTHER_PHONE):
            if phone_candidates(text, phone) < 10_000:
                shown.add(name)
    assert not narrowed, narrowed
    # The family's phones as the guardian's: whole for township staff on the one child's profile only.
    assert shown == ({"profile"} if role == "town_a" else set())


def test_a_full_identity_role_sees_the_family_numbers_in_the_export(users, family_child):
    full = ChildResource(user=users["admin"]).export()
    masked = ChildResource(user=users["viewer"]).export()
    row = dict(zip(full.headers, next(r for r in full if r[0] == "丁童"), strict=True))
    assert (row["父亲身份证号"], row["父亲电话"], row["委托监护人身份证号"]) == (FATHER_ID, FATHER_PHONE, CARER_ID)
    masked_row = dict(zip(masked.headers, next(r for r in masked if r[0] == "丁童"), strict=True))
    assert FATHER_ID not in masked_row.values() and FATHER_PHONE not in masked_row.values()
    assert id_candidates(str(masked_row), FATHER_ID) >= 1_000


def test_an_export_imports_again_into_the_same_family_record(users, family_child):
    Child.objects.filter(pk=family_child.pk).update(
        father_status="migrant", father_work_province="浙江省", father_work_city="杭州市", aid_received=["tekun"]
    )
    dataset = ChildResource(user=users["admin"]).export()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(dataset.headers)
    for row in dataset:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_bytes("children", buffer.getvalue(), users["admin"])
    assert counts(result)["errors"] == 0 and counts(result)["updated"] == 0, errors(result)


# -- the admin form -----------------------------------------------------------------------


def _admin_add(client, village, **family):
    from children.tests.factories import make_id_number

    data = {
        "name": "戊童",
        "id_number": make_id_number("141128100001"),
        "category": ChildCategory.objects.get(name="事实无人抚养儿童").pk,
        "region": village.pk,
        "card_colour": "green",
        "status": "active",
        "entered_on": datetime.date.today().isoformat(),
        "card_changes-TOTAL_FORMS": "0",
        "card_changes-INITIAL_FORMS": "0",
        "visits-TOTAL_FORMS": "0",
        "visits-INITIAL_FORMS": "0",
        **family,
    }
    return client.post(reverse("admin:children_child_add"), data, follow=True)


def test_the_admin_form_saves_the_family_and_warns_without_blocking(client, users, regions):
    client.force_login(users["admin"])
    response = _admin_add(
        client,
        regions["village_a1"],
        father_status="imprisoned",
        mother_status="home",
        father_id_number=FATHER_ID,
        aid_received=["dibao", "medical"],
        income_sources=["farming"],
        boarding="true",
        guardianship_rating="poor",
        guardianship_rated_on="2025-04-01",
    )
    child = Child.objects.get(name="戊童")
    assert (child.father_status, child.father_id_number, child.boarding) == ("imprisoned", FATHER_ID, True)
    assert child.aid_received == ["dibao", "medical"] and child.income_sources == ["farming"]
    messages = [str(m) for m in response.context["messages"]]
    assert any("儿童类别为事实无人抚养儿童，但父母状况与之不符" in m for m in messages), messages


def test_the_admin_form_refuses_a_migrant_parent_without_a_place_in_chinese(client, users, regions):
    client.force_login(users["admin"])
    response = _admin_add(client, regions["village_a1"], father_status="migrant", aid_received=["nonsense"])
    page = response.content.decode()
    assert "外出务工的父母须填写务工地点（省、市）。" in page
    assert "nonsense" in page or "选择" in page
    assert not Child.objects.filter(name="戊童").exists()


def test_a_masked_role_sees_the_family_numbers_masked_on_the_admin_form(client, users, family_child):
    client.force_login(users["viewer"])
    page = page_text(client.get(reverse("admin:children_child_change", args=[family_child.pk])))
    assert "丁父" in page
    assert FATHER_ID not in page and CARER_ID not in page and FATHER_PHONE not in page


def test_the_blank_template_has_the_family_columns_with_their_choices(users):
    from core.ledger.template import build_template

    book = openpyxl.load_workbook(io.BytesIO(build_template(ChildResource, users["admin"])))
    headers = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert {"父亲状况", "母亲务工地点", "委托监护人身份证号", "监护类型", "是否寄宿", "享受低保"} <= set(headers)
    options = {col[0].value: [c.value for c in col[1:] if c.value] for col in book["选项"].iter_cols()}
    assert options["父亲状况"][:3] == ["外出务工", "在家", "离异不在身边"]
