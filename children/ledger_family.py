"""The family columns of the children's register (《农村留守儿童基本情况登记表》's names).

Cell words are the ledger's own vocabulary (like 红/黄/绿), not UI text: the first word of each
choice is the one exports write. A family column absent from a file leaves the stored value as
it is, so an older ledger without these columns never blanks a child's family record.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from core.idnumber import parse_id_number
from core.ledger.columns import column
from core.ledger.values import CellError, parse_date, split_list, text

from .family import (
    Aid,
    DisabilityCategory,
    DisabilityGrade,
    GuardianshipRating,
    GuardianshipType,
    HealthStatus,
    HukouType,
    IncomeSource,
    ParentStatus,
    SchoolStage,
    join_place,
    split_place,
)

PARENT_WORDS = {
    ParentStatus.MIGRANT: ("外出务工", "外出", "务工", "外出打工"),
    ParentStatus.HOME: ("在家", "在家务农", "在家照料"),
    ParentStatus.DIVORCED: ("离异不在身边", "离异"),
    ParentStatus.DEAD: ("死亡", "去世", "已故"),
    ParentStatus.MISSING: ("失踪/失联", "失踪", "失联"),
    ParentStatus.IMPRISONED: ("服刑在押", "服刑", "在押"),
    ParentStatus.REHAB: ("强制隔离戒毒", "戒毒"),
    ParentStatus.DISABLED: ("重残",),
    ParentStatus.ILL: ("重病",),
    ParentStatus.OTHER: ("其他",),
}
GUARDIANSHIP_WORDS = {
    GuardianshipType.NONE: ("无人监护",),
    GuardianshipType.PARENT_UNABLE: ("父或母无监护能力", "父母无监护能力"),
    GuardianshipType.CARER_WEAK: ("受委托监护人监护能力不足", "委托监护人监护能力不足"),
    GuardianshipType.FAIR: ("监护情况一般",),
    GuardianshipType.GOOD: ("监护情况较好",),
}
RATING_WORDS = {
    GuardianshipRating.GOOD: ("较好", "好"),
    GuardianshipRating.FAIR: ("一般",),
    GuardianshipRating.POOR: ("差", "较差"),
}
HEALTH_WORDS = {
    HealthStatus.HEALTHY: ("健康", "良好"),
    HealthStatus.DISABLED: ("残疾",),
    HealthStatus.ILL: ("患病", "疾病", "有病"),
}
DISABILITY_WORDS = {
    DisabilityCategory.SIGHT: ("视力残疾", "视力"),
    DisabilityCategory.HEARING: ("听力残疾", "听力"),
    DisabilityCategory.SPEECH: ("言语残疾", "言语"),
    DisabilityCategory.PHYSICAL: ("肢体残疾", "肢体"),
    DisabilityCategory.INTELLECTUAL: ("智力残疾", "智力"),
    DisabilityCategory.MENTAL: ("精神残疾", "精神"),
    DisabilityCategory.MULTIPLE: ("多重残疾", "多重"),
}
GRADE_WORDS = {
    DisabilityGrade.ONE: ("一级", "1级", "1"),
    DisabilityGrade.TWO: ("二级", "2级", "2"),
    DisabilityGrade.THREE: ("三级", "3级", "3"),
    DisabilityGrade.FOUR: ("四级", "4级", "4"),
}
STAGE_WORDS = {
    SchoolStage.NOT_YET: ("未入园",),
    SchoolStage.KINDERGARTEN: ("幼儿园", "学前"),
    SchoolStage.PRIMARY: ("小学",),
    SchoolStage.JUNIOR: ("初中",),
    SchoolStage.SENIOR: ("高中",),
    SchoolStage.VOCATIONAL: ("中职", "中专", "职高"),
    SchoolStage.DROPPED_OUT: ("辍学",),
    SchoolStage.NOT_IN_SCHOOL: ("不在学", "未在学", "失学"),
}
HUKOU_WORDS = {
    HukouType.AGRICULTURAL: ("农业", "农业户口"),
    HukouType.NON_AGRICULTURAL: ("非农业", "非农业户口"),
}
AID_WORDS = {
    Aid.DIBAO: ("低保", "最低生活保障"),
    Aid.TEKUN: ("特困供养", "特困"),
    Aid.TEMPORARY: ("临时救助",),
    Aid.MEDICAL: ("医疗救助",),
    Aid.ALLOWANCE: ("孤儿或事实无人抚养儿童基本生活费", "基本生活费"),
    Aid.OTHER: ("其他",),
}
INCOME_WORDS = {
    IncomeSource.WAGES: ("外出务工", "务工收入", "务工"),
    IncomeSource.FARMING: ("务农", "农业收入", "种植养殖"),
    IncomeSource.BUSINESS: ("经营", "经营收入", "个体经营"),
    IncomeSource.LOCAL_WORK: ("本地务工", "就近务工", "本地打工"),
    IncomeSource.BENEFITS: ("政府补贴", "政府救助", "社会救助"),
    IncomeSource.RELATIVES: ("亲友资助", "亲友接济"),
    IncomeSource.OTHER: ("其他",),
}
YES, NO = ("是", "有", "√", "Y", "寄宿", "住校"), ("否", "无", "×", "N", "走读", "不寄宿")

#: The 享受… yes/no columns of the official form, each one kind of aid.
AID_FLAG_COLUMNS = [
    (Aid.DIBAO, ("享受低保", "是否享受低保", "低保")),
    (Aid.TEKUN, ("享受特困供养", "是否享受特困供养", "特困供养")),
    (Aid.TEMPORARY, ("享受临时救助", "是否享受临时救助")),
    (Aid.MEDICAL, ("享受医疗救助", "是否享受医疗救助")),
    (Aid.ALLOWANCE, ("享受基本生活费", "是否享受基本生活费", "享受孤儿或事实无人抚养儿童基本生活费")),
]


def _parent_columns(prefix, word):
    return [
        column(f"{prefix}_name", (f"{word}姓名",)),
        column(f"{prefix}_id_number", (f"{word}身份证号", f"{word}身份证号码", f"{word}公民身份号码")),
        column(f"{prefix}_status", (f"{word}状况", f"{word}情况", f"{word}状态", f"{word}现状")),
        column(f"{prefix}_work_place", (f"{word}务工地点", f"{word}外出务工地点", f"{word}务工地")),
        column(f"{prefix}_phone", (f"{word}电话", f"{word}联系电话", f"{word}手机号")),
    ]


#: Inserted after the guardian's columns in ChildResource.columns (the guardian's own name,
#: relation and phone are the register's columns, with 委托监护人… as header variants).
FAMILY_COLUMNS = [
    *_parent_columns("father", "父亲"),
    *_parent_columns("mother", "母亲"),
    column("guardian_id_number", ("委托监护人身份证号", "监护人身份证号", "委托照护人身份证号", "监护人身份证号码")),
    column("guardian_address", ("委托监护人住址", "监护人住址", "委托照护人住址", "监护人地址")),
    column("guardian_notified_on", ("书面告知日期", "书面告知学校及村（居）委会日期", "书面告知时间")),
    column("guardianship_type", ("监护类型", "监护情况类型")),
    column("guardianship_rating", ("监护评估", "监护状况评估", "监护评价")),
    column("guardianship_rated_on", ("监护评估日期", "评估日期")),
    column("health_status", ("健康状况", "身体状况")),
    column("disability_category", ("残疾类别", "残疾类型")),
    column("disability_grade", ("残疾等级",)),
    column("illness", ("患病类型", "疾病类型", "所患疾病")),
    column("school_stage", ("就学情况", "就学阶段", "在学情况")),
    column("boarding", ("是否寄宿", "寄宿")),
    column("ethnicity", ("民族",)),
    column("hukou_place", ("户籍所在地", "户籍地", "户籍地址")),
    column("hukou_type", ("户籍性质", "户口性质", "户籍类型")),
    column("income_sources", ("家庭收入来源", "收入来源", "家庭主要收入来源")),
    column("aid_received", ("享受救助", "享受救助情况", "救助情况")),
    *[column(f"aid_{aid}", names) for aid, names in AID_FLAG_COLUMNS],
]

CHOICE_COLUMNS = {
    "father_status": PARENT_WORDS,
    "mother_status": PARENT_WORDS,
    "guardianship_type": GUARDIANSHIP_WORDS,
    "guardianship_rating": RATING_WORDS,
    "health_status": HEALTH_WORDS,
    "disability_category": DISABILITY_WORDS,
    "disability_grade": GRADE_WORDS,
    "school_stage": STAGE_WORDS,
    "hukou_type": HUKOU_WORDS,
}
TEXT_COLUMNS = ["father_name", "mother_name", "guardian_address", "illness", "ethnicity", "hukou_place"]
ID_COLUMNS = ["father_id_number", "mother_id_number", "guardian_id_number"]
PHONE_COLUMNS = ["father_phone", "mother_phone"]
DATE_COLUMNS = ["guardian_notified_on", "guardianship_rated_on"]
#: The family's fields written by the import (checked by plan_row, as the resource's clean_exclude says).
FAMILY_FIELDS = [
    *TEXT_COLUMNS,
    *ID_COLUMNS,
    *PHONE_COLUMNS,
    *DATE_COLUMNS,
    *CHOICE_COLUMNS,
    *[f"{p}_work_{part}" for p in ("father", "mother") for part in ("province", "city")],
    "boarding",
    "income_sources",
    "aid_received",
]

WORKS_AWAY_NEEDS_PLACE = gettext_lazy("A parent working away from home needs the place (province and city).")


def _lookup(words):
    return {w: value for value, names in words.items() for w in names}


def parse_choice(raw, *, words):
    value = text(raw).replace(" ", "")
    if not value:
        return ""
    found = _lookup(words).get(value)
    if found is None:
        raise CellError(
            gettext("unknown value; allowed: %(allowed)s") % {"allowed": "、".join(n[0] for n in words.values())}
        )
    return str(found)


def parse_choice_list(raw, *, words):
    values = []
    for part in split_list(raw):
        value = parse_choice(part, words=words)
        if value not in values:
            values.append(value)
    return values


def parse_yes_no(raw):
    value = text(raw).replace(" ", "").upper()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise CellError(gettext("unknown value; allowed: %(allowed)s") % {"allowed": "是、否"})


def parse_optional_id(raw, *, today):
    if not text(raw):
        return ""
    try:
        return parse_id_number(raw, today=today).number
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


def family_values(resource, row, problems, child) -> dict:
    """The family fields a row gives, only for the columns the file has; problems recorded."""
    present = row.cells.keys()
    values = {}
    for key in TEXT_COLUMNS:
        if key in present:
            values[key] = text(row.raw(key))
    for key in ID_COLUMNS:
        if key in present:
            values[key] = resource.cell(row, key, problems, parse_optional_id, today=resource.today)
    for key in PHONE_COLUMNS:
        if key in present:
            values[key] = resource.phone(row, key, problems)
    for key in DATE_COLUMNS:
        if key in present:
            values[key] = resource.cell(row, key, problems, parse_date)
    for key, words in CHOICE_COLUMNS.items():
        if key in present:
            values[key] = resource.cell(row, key, problems, parse_choice, words=words)
    for prefix in ("father", "mother"):
        if f"{prefix}_work_place" in present:
            province, city = split_place(text(row.raw(f"{prefix}_work_place")))
            values[f"{prefix}_work_province"], values[f"{prefix}_work_city"] = province[:20], city[:20]
    if "boarding" in present:
        values["boarding"] = resource.cell(row, "boarding", problems, parse_yes_no)
    if "income_sources" in present:
        values["income_sources"] = resource.cell(row, "income_sources", problems, parse_choice_list, words=INCOME_WORDS)
    flags = [(aid, f"aid_{aid}") for aid, _names in AID_FLAG_COLUMNS if f"aid_{aid}" in present]
    if "aid_received" in present or flags:
        aid = resource.cell(row, "aid_received", problems, parse_choice_list, words=AID_WORDS) or []
        for kind, key in flags:
            ticked = resource.cell(row, key, problems, parse_yes_no)
            if ticked and kind not in aid:
                aid.append(str(kind))
            elif ticked is False and kind in aid and "aid_received" in present:
                problems.add(row, key, gettext("disagrees with the aid column"))
        values["aid_received"] = [a for a in Aid.values if a in aid]  # the list's order
    if row in problems:
        return values
    _check_rules(resource, row, problems, child, values)
    return values


def _check_rules(resource, row, problems, child, values):
    """The database's rules across fields, as row errors (else the insert would be refused)."""

    def now(key):
        return values[key] if key in values else (getattr(child, key) if child is not None else "")

    for prefix in ("father", "mother"):
        if now(f"{prefix}_status") == ParentStatus.MIGRANT and not now(f"{prefix}_work_province"):
            key = f"{prefix}_work_place" if f"{prefix}_work_place" in row.cells else f"{prefix}_status"
            problems.add(row, key, WORKS_AWAY_NEEDS_PLACE)
    health = now("health_status")
    if (now("disability_category") or now("disability_grade")) and not health:
        values["health_status"] = health = HealthStatus.DISABLED
    if health == HealthStatus.DISABLED and not (now("disability_category") and now("disability_grade")):
        problems.add(row, "health_status", gettext("A disabled child needs the disability category and grade."))
    elif health != HealthStatus.DISABLED and (now("disability_category") or now("disability_grade")):
        problems.add(
            row,
            "health_status",
            gettext("A disability category or grade is given only when the child is disabled."),
        )
    if health == HealthStatus.ILL and not now("illness"):
        problems.add(row, "health_status", gettext("An ill child needs the illness named."))
    if now("guardianship_rating") and not now("guardianship_rated_on"):
        values["guardianship_rated_on"] = resource.ledger_date or resource.today


def _words(words, value):
    names = words.get(value)
    return names[0] if names else ""


def family_export(child, mask_id, mask_phone) -> list:
    """The family columns of one child, in FAMILY_COLUMNS' order."""
    row = []
    for prefix in ("father", "mother"):
        row += [
            getattr(child, f"{prefix}_name"),
            mask_id(getattr(child, f"{prefix}_id_number")) if getattr(child, f"{prefix}_id_number") else "",
            _words(PARENT_WORDS, getattr(child, f"{prefix}_status")),
            join_place(getattr(child, f"{prefix}_work_province"), getattr(child, f"{prefix}_work_city")),
            mask_phone(getattr(child, f"{prefix}_phone")),
        ]
    row += [
        mask_id(child.guardian_id_number) if child.guardian_id_number else "",
        child.guardian_address,
        child.guardian_notified_on,
        _words(GUARDIANSHIP_WORDS, child.guardianship_type),
        _words(RATING_WORDS, child.guardianship_rating),
        child.guardianship_rated_on,
        _words(HEALTH_WORDS, child.health_status),
        _words(DISABILITY_WORDS, child.disability_category),
        _words(GRADE_WORDS, child.disability_grade),
        child.illness,
        _words(STAGE_WORDS, child.school_stage),
        "" if child.boarding is None else ("是" if child.boarding else "否"),
        child.ethnicity,
        child.hukou_place,
        _words(HUKOU_WORDS, child.hukou_type),
        "、".join(_words(INCOME_WORDS, v) for v in child.income_sources or []),
        "、".join(_words(AID_WORDS, v) for v in child.aid_received or []),
        *[("是" if aid in (child.aid_received or []) else "否") for aid, _names in AID_FLAG_COLUMNS],
    ]
    return row


#: Drop-down lists of the blank template (core.ledger.template): the words exports write.
TEMPLATE_CHOICES = {
    **{key: [names[0] for names in words.values()] for key, words in CHOICE_COLUMNS.items()},
    **{key: ["是", "否"] for key in ["boarding", *[f"aid_{aid}" for aid, _names in AID_FLAG_COLUMNS]]},
}
