"""The child's file (一人一档) and the pairing card (结对卡) as PDF.

Same pipeline as the monthly ledger (reports.pdf): an .xlsx written with the project's one
workbook writer (core.ledger.workbook) carries its own print set-up, and LibreOffice headless
renders it (``xlsx_to_pdf``). The file is a form on a grid of twelve equal columns: label and
value pairs three to a row, tables spanning the grid, each section under its numbered heading
(一、基本信息 … 七、转介), "无" when it is empty, and 填报单位 / 填表人 / 审核人 / 日期 at the end.

What is printed is what the person printing may see: the children come through
``for_user``, and ID numbers, phones and the birth date are masked by core.masking for a role
without the full-identity permission — as in every export, the guardian's and the parents'
phones too (the profile's exception for township staff is for the page, not for paper).

A batch (a township's or a village's files, one PDF, each child on a new page) is a background
job (``dossier_batch``): one sheet per child, in the order village, name.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from activities.models import Visit
from casework.models import Need, Referral
from children.family import Aid, IncomeSource, join_place, labels_of
from children.models import CardChange, Child
from core.downloads import region_label
from core.ledger.workbook import open_workbook
from core.masking import birth_date_for, id_number_for, phone_for, sees_full_identity
from core.permissions import DOSSIER_BATCH
from core.signals import ledger_exported
from pairing.models import Pairing, PairingMember
from regions.models import Level, Region
from regions.scoping import user_region
from volunteers.models import Volunteer

from .jobs import JobInputError, register_export
from .ledger_print import A4, filed_date, lines, person_name
from .pdf import PdfUnavailable, xlsx_to_pdf

# --- the sheet's grid ------------------------------------------------------------------
COLUMNS = 12
COLUMN_UNITS = 7.0  # 12 × 7.0 units: 12 × (7.0 × 5.52 + 4.4) pt = 516 pt, inside A4 portrait's room
PAD_UNITS = 0.8  # LibreOffice's padding of a column, in units (4.4 pt)
BODY_PT = 10
TITLE_PT = 16
LINE_PT = BODY_PT * 1.45
MARGIN_LEFT_IN = 0.7  # room to bind the file
MARGIN_RIGHT_IN = 0.4
MARGIN_TOP_IN = 0.5
MARGIN_BOTTOM_IN = 0.6
FONT = "宋体"

TITLE = "“爱心妈妈”结对关爱儿童一人一档"
SECTIONS = ("一、基本信息", "二、家庭与监护", "三、三色卡记录", "四、结对", "五、需求与帮扶", "六、走访", "七、转介")
NONE = "无"
EMPTY = "—"
CARD_TITLE = "爱心妈妈结对卡"
CARD_COPIES = ("（家庭联）", "（爱心妈妈联）")
CUT_LINE = "- - - - - - - - - - - - - - - - 沿此线剪开 - - - - - - - - - - - - - - - -"
DOSSIER_DOCUMENT = "一人一档"
CARD_DOCUMENT = "结对卡"


def day(value) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, datetime.date) else (value or "")


def _span_units(span: int) -> float:
    return span * COLUMN_UNITS + (span - 1) * PAD_UNITS


# --- what one child's file holds -------------------------------------------------------
@dataclass
class Table:
    """Headers and rows of a section's table; ``spans`` (grid columns per column) add up to 12."""

    headers: list[str]
    spans: list[int]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Section:
    title: str
    #: parts in order: a list of (label, value) pairs, a Table, or a str (one full-width line)
    parts: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(part.rows if isinstance(part, Table) else part for part in self.parts)


@dataclass
class Dossier:
    child: Child
    name: str
    place: str
    sections: list[Section]


def dossier_queryset(user):
    """The children ``user`` may see, with everything the file prints in a fixed number of queries."""
    members = PairingMember.objects.select_related("volunteer__team").order_by("-role", "joined_on", "id")
    return (
        Child.objects.for_user(user)
        # up to the county's parent: the place is printed from the county down (Region.full_name)
        .select_related("region__parent__parent__parent", "category")
        .prefetch_related(
            "difficulties",
            Prefetch(
                "card_changes", queryset=CardChange.objects.select_related("changed_by").order_by("effective_on", "id")
            ),
            Prefetch(
                "pairings",
                queryset=Pairing.objects.order_by("started_on", "id").prefetch_related(
                    Prefetch("members", queryset=members)
                ),
            ),
            Prefetch(
                "visits",
                queryset=Visit.objects.select_related("mode")
                .order_by("visited_on", "id")
                .prefetch_related(Prefetch("visitors", queryset=Volunteer.objects.only("id", "name"))),
            ),
            Prefetch(
                "needs",
                queryset=Need.objects.for_user(user)
                .select_related("volunteer", "team", "department")
                .prefetch_related(
                    Prefetch(
                        "referrals",
                        queryset=Referral.objects.for_user(user)
                        .select_related("department")
                        .order_by("referred_on", "id"),
                    )
                )
                .order_by("found_on", "id"),
            ),
        )
    )


def child_place(child) -> str:
    return region_label(child.region)


@dataclass
class Facts:
    """Label and value pairs, ``per_row`` to a row (a long value, as an ID number, wants two)."""

    pairs: list[tuple[str, str]]
    per_row: int = 3

    def __bool__(self):
        return bool(self.pairs)


def facts(*pairs, per_row: int = 3) -> Facts:
    return Facts([(str(label), str(value) if value not in (None, "") else EMPTY) for label, value in pairs], per_row)


def gather(user, child) -> Dossier:
    """One child's file as ``user`` may see it (``child`` from ``dossier_queryset(user)``)."""
    birth = birth_date_for(user, child.birth_date)
    school = " ".join(p for p in (child.school, child.grade) if p)
    hukou = child.hukou_place + (f"（{child.get_hukou_type_display()}）" if child.hukou_type else "")
    status = child.get_status_display()
    if child.exited_on:
        status += f"（{child.get_exit_reason_display()}，{day(child.exited_on)}）"
    identity = facts(("公民身份号码", id_number_for(user, child.id_number)), ("出生日期", day(birth)), per_row=2)
    basic = facts(
        ("姓名", child.name),
        ("性别", child.get_gender_display()),
        ("民族", child.ethnicity),
        ("儿童类别", child.category),
        ("困境类型", "、".join(str(d) for d in child.difficulties.all())),
        ("卡片颜色", child.get_card_colour_display()),
        ("状态", status),
        ("所在村（社区）", child_place(child)),
        ("家庭住址", child.address),
        ("就读学校", school),
        ("户籍地", hukou),
        ("纳入日期", day(child.entered_on)),
    )
    parts = [identity, basic]
    if child.notes:
        parts.append(f"备注：{child.notes}")

    family = Table(["", "姓名", "公民身份号码", "状况", "务工地", "联系电话"], [1, 2, 3, 2, 2, 2])
    for label, prefix in (("父亲", "father"), ("母亲", "mother")):
        status_value = getattr(child, f"{prefix}_status")
        family.rows.append(
            [
                label,
                getattr(child, f"{prefix}_name") or EMPTY,
                id_number_for(user, getattr(child, f"{prefix}_id_number")) or EMPTY,
                getattr(child, f"get_{prefix}_status_display")() if status_value else EMPTY,
                join_place(getattr(child, f"{prefix}_work_province"), getattr(child, f"{prefix}_work_city")) or EMPTY,
                phone_for(user, getattr(child, f"{prefix}_phone")) or EMPTY,
            ]
        )
    guardian = child.guardian_name + (f"（{child.guardian_relation}）" if child.guardian_relation else "")
    rating = child.get_guardianship_rating_display() if child.guardianship_rating else ""
    if rating and child.guardianship_rated_on:
        rating += f"（{day(child.guardianship_rated_on)}）"
    health = child.get_health_status_display() if child.health_status else ""
    if child.disability_category:
        health += f"（{child.get_disability_category_display()}，{child.get_disability_grade_display()}）"
    if child.illness:
        health += f"（{child.illness}）"
    boarding = "" if child.boarding is None else ("是" if child.boarding else "否")
    guardian_facts = facts(
        ("监护人", guardian),
        ("监护人电话", phone_for(user, child.guardian_phone)),
        ("监护人身份证号", id_number_for(user, child.guardian_id_number)),
        ("监护人住址", child.guardian_address),
        per_row=2,
    )
    guardianship = facts(
        ("监护类型", child.get_guardianship_type_display() if child.guardianship_type else ""),
        ("监护评估", rating),
        ("书面告知日期", day(child.guardian_notified_on)),
        ("健康状况", health),
        ("就学情况", child.get_school_stage_display() if child.school_stage else ""),
        ("是否寄宿", boarding),
        ("家庭收入来源", labels_of(IncomeSource, child.income_sources)),
        ("已享受救助", labels_of(Aid, child.aid_received)),
    )
    has_family = any(getattr(child, f) for f in ("father_name", "mother_name", "guardian_name", "guardian_phone"))

    cards = Table(["生效日期", "原颜色", "新颜色", "变更原因", "操作人"], [2, 2, 2, 4, 2])
    for change in child.card_changes.all():
        cards.rows.append(
            [
                day(change.effective_on),
                change.get_from_colour_display() or EMPTY,
                change.get_to_colour_display(),
                change.reason,
                person_name(change.changed_by) or EMPTY,
            ]
        )

    pairing_parts = []
    for pairing in child.pairings.all():
        until = day(pairing.ended_on) + f"（{pairing.end_reason_text}）" if pairing.ended_on else "至今"
        pairing_parts.append(f"结对时间：{day(pairing.started_on)} 至 {until}")
        mothers = Table(["爱心妈妈", "角色", "联系电话", "所在服务队", "加入日期", "退出日期"], [2, 1, 2, 3, 2, 2])
        for member in pairing.members.all():
            volunteer = member.volunteer
            mothers.rows.append(
                [
                    volunteer.name,
                    member.get_role_display(),
                    phone_for(user, volunteer.phone) or EMPTY,
                    volunteer.team.name if volunteer.team_id else EMPTY,
                    day(member.joined_on),
                    day(member.left_on) or EMPTY,
                ]
            )
        pairing_parts.append(mothers)
        if pairing.commitment:
            pairing_parts.append(f"结对承诺：{pairing.commitment}")

    needs = Table(["类别", "需求", "帮扶措施", "负责方", "期限", "状态"], [1, 3, 3, 1, 2, 2])
    referrals = Table(["转介日期", "转介部门", "转介事项", "办理期限", "状态及反馈"], [2, 2, 3, 2, 3])
    for need in child.needs.all():
        measure = need.measure + (f"\n结果：{need.outcome}" if need.outcome else "")
        needs.rows.append(
            [
                need.get_kind_display(),
                need.description,
                measure or EMPTY,
                need.actor_text,
                day(need.due_on) or EMPTY,
                need.get_status_display() + (f"\n{day(need.closed_on)}" if need.closed_on else ""),
            ]
        )
        for referral in need.referrals.all():
            outcome = referral.get_status_display() + (f"：{referral.feedback}" if referral.feedback else "")
            referrals.rows.append(
                [
                    day(referral.referred_on),
                    str(referral.department),
                    referral.request,
                    day(referral.due_on) or EMPTY,
                    outcome,
                ]
            )

    visits = Table(["走访日期", "方式", "走访人", "发现情况", "帮扶内容", "物资(元)"], [2, 1, 2, 3, 3, 1])
    for visit in child.visits.all():
        who = [v.name for v in visit.visitors.all()] + ([visit.staff_visitors] if visit.staff_visitors else [])
        visits.rows.append(
            [
                day(visit.visited_on),
                str(visit.mode),
                "、".join(who) or EMPTY,
                visit.findings or EMPTY,
                visit.help_given or EMPTY,
                f"{visit.goods_value:g}" if visit.goods_value else EMPTY,
            ]
        )

    sections = [
        Section(SECTIONS[0], parts),
        Section(SECTIONS[1], [family, guardian_facts, guardianship] if has_family else []),
        Section(SECTIONS[2], [facts(("当前卡片颜色", child.get_card_colour_display())), cards]),
        Section(SECTIONS[3], pairing_parts),
        Section(SECTIONS[4], [needs]),
        Section(SECTIONS[5], [visits]),
        Section(SECTIONS[6], [referrals]),
    ]
    return Dossier(child=child, name=child.name, place=child_place(child), sections=sections)


# --- writing ---------------------------------------------------------------------------
class Formats:
    def __init__(self, workbook):
        def fmt(**props):
            return workbook.add_format(
                {"font_name": FONT, "font_size": BODY_PT, "valign": "vcenter", "text_wrap": True, **props}
            )

        self.title = fmt(bold=True, font_size=TITLE_PT, align="center")
        self.subtitle = fmt(align="center")
        self.line = fmt(align="left")
        self.right = fmt(align="right")
        self.section = fmt(bold=True, font_size=BODY_PT + 1, align="left", bottom=1)
        self.label = fmt(bold=True, align="center", bg_color="#F2F2F2", border=1)
        self.value = fmt(align="left", border=1)
        self.header = fmt(bold=True, align="center", bg_color="#F2F2F2", border=1)
        self.cell = fmt(align="center", border=1)
        self.text = fmt(align="left", border=1)
        self.none = fmt(align="left", border=1)
        self.signature = fmt(align="left")
        self.cut = fmt(align="center", font_color="#808080")


class Sheet:
    """Writes rows of cells across the twelve-column grid, each row as tall as its text."""

    def __init__(self, workbook, formats: Formats, name: str, *, footer: str = ""):
        self.sheet = workbook.add_worksheet(name)
        self.formats = formats
        self.row = 0
        sheet = self.sheet
        sheet.set_paper(A4)
        sheet.set_portrait()
        sheet.fit_to_pages(1, 0)  # the page's width; as many pages down as the file needs
        sheet.set_margins(left=MARGIN_LEFT_IN, right=MARGIN_RIGHT_IN, top=MARGIN_TOP_IN, bottom=MARGIN_BOTTOM_IN)
        if footer:
            sheet.set_footer(footer, {"margin": 0.3})
        sheet.set_start_page(1)
        sheet.hide_gridlines(2)
        sheet.set_column(0, COLUMNS - 1, COLUMN_UNITS)

    def write(self, cells, *, height: float | None = None, min_lines: int = 1) -> None:
        """``cells``: (value, span, format) across the row; spans add up to 12."""
        most = min_lines
        column = 0
        for value, span, cell_format in cells:
            text = str(value)
            most = max(most, lines(text, _span_units(span), BODY_PT) if cell_format is not self.formats.title else 1)
            last = column + span - 1
            if span > 1:
                self.sheet.merge_range(self.row, column, self.row, last, text, cell_format)
            else:
                self.sheet.write_string(self.row, column, text, cell_format)
            column = last + 1
        self.sheet.set_row(self.row, height or round(most * LINE_PT + 5, 1))
        self.row += 1

    def gap(self, height: float = 6) -> None:
        self.sheet.set_row(self.row, height)
        self.row += 1

    def facts(self, pairs, *, per_row: int = 3) -> None:
        f = self.formats
        label_span = 2
        value_span = (COLUMNS - label_span * per_row) // per_row
        for i in range(0, len(pairs), per_row):
            chunk = pairs[i : i + per_row]
            cells = []
            for n, (label, value) in enumerate(chunk):
                # the last pair of a short row takes the rest of the row
                span = value_span if n < len(chunk) - 1 else COLUMNS - (label_span + value_span) * n - label_span
                cells += [(label, label_span, f.label), (value, span, f.value)]
            self.write(cells)

    def table(self, table: Table) -> None:
        f = self.formats
        self.write([(h, s, f.header) for h, s in zip(table.headers, table.spans, strict=True)])
        for row in table.rows:
            self.write([(v, s, f.text if s >= 3 else f.cell) for v, s in zip(row, table.spans, strict=True)])

    def line(self, text: str, cell_format=None) -> None:
        self.write([(text, COLUMNS, cell_format or self.formats.value)])


def write_dossier_sheet(workbook, formats: Formats, name: str, dossier: Dossier, *, unit: str, preparer: str, on):
    f = formats
    sheet = Sheet(workbook, formats, name, footer=f"&L{dossier.name}　一人一档&R第 &P 页 共 &N 页")
    sheet.write([(TITLE, COLUMNS, f.title)], height=TITLE_PT * 2.2)
    sheet.write([(f"所在村（社区）：{dossier.place}", 8, f.line), (f"儿童姓名：{dossier.name}", 4, f.right)])
    for section in dossier.sections:
        sheet.gap()
        sheet.write([(section.title, COLUMNS, f.section)], height=LINE_PT + 8)
        if section.empty:
            sheet.line(NONE, f.none)
            continue
        for part in section.parts:
            if isinstance(part, Table):
                if part.rows:
                    sheet.table(part)
                else:
                    sheet.line(NONE, f.none)
            elif isinstance(part, str):
                sheet.line(part)
            else:
                sheet.facts(part.pairs, per_row=part.per_row)
    sheet.gap(18)
    sheet.write([(f"填报单位（盖章）：{unit}", 7, f.signature), (f"日期：{filed_date(on)}", 5, f.signature)], height=26)
    sheet.write([(f"填表人：{preparer}", 7, f.signature), ("审核人：", 5, f.signature)], height=26)
    return sheet


def sheet_name(index: int, child_name: str) -> str:
    # Unique (the number) and within Excel's 31 characters, without the characters it refuses.
    clean = "".join(ch for ch in child_name if ch not in "[]:*?/\\'")
    return f"{index:03d}{clean}"[:31]


def unit_of(user, children) -> str:
    region = user_region(user)
    if region is not None:
        return region_label(region)
    return children[0].region.parent.full_name() if children and children[0].region.parent_id else ""


def write_dossiers(target, user, children, *, progress=None, on: datetime.date | None = None) -> int:
    """The files of ``children`` (from ``dossier_queryset(user)``), one sheet each, to ``target``."""
    on = on or timezone.localdate()
    preparer = person_name(user)
    unit = unit_of(user, children)
    total = len(children)
    with translation.override("zh-hans"):
        workbook = open_workbook(target)
        formats = Formats(workbook)
        for i, child in enumerate(children, start=1):
            write_dossier_sheet(
                workbook, formats, sheet_name(i, child.name), gather(user, child), unit=unit, preparer=preparer, on=on
            )
            if progress is not None:
                progress(i, total + 1)  # the last step is LibreOffice's
        workbook.close()
    return total


def _as_pdf(write, target) -> None:
    with tempfile.TemporaryDirectory(prefix="dossier-") as work:
        xlsx = Path(work) / "dossier.xlsx"
        write(str(xlsx))
        data = xlsx_to_pdf(xlsx)
    if hasattr(target, "write"):
        target.write(data)
    else:
        Path(target).write_bytes(data)


def dossier_pdf(target, user, children, *, progress=None) -> None:
    """The files of ``children`` as one PDF (each child on a new page). Raises ``PdfUnavailable``."""
    _as_pdf(lambda xlsx: write_dossiers(xlsx, user, children, progress=progress), target)
    ledger_exported.send(
        sender=Child,
        user=user,
        ledger=DOSSIER_DOCUMENT,
        rows=len(children),
        filters={"children": ",".join(str(c.pk) for c in children[:50])},
    )


def dossier_file_name(child) -> str:
    return f"{DOSSIER_DOCUMENT}-{child.name}.pdf"


# --- the batch job ----------------------------------------------------------------------
class DossierJobForm(forms.Form):
    """The batch's start page: a township or a village the user may see."""

    region = forms.ModelChoiceField(label=_("Township or village"), queryset=Region.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.for_user(user).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE]).order_by("code")
        )

    def params(self):
        # The job runner names the file by a month: the month it is printed in.
        return {"month": f"{timezone.localdate():%Y-%m}", "region": self.cleaned_data["region"].code}


def write_dossier_batch(user, month, region, path, progress) -> dict:
    if region is None or region.level < Level.TOWNSHIP:
        raise JobInputError(_("Choose a township or a village."))
    children = list(dossier_queryset(user).in_region(region).order_by("region__code", "name", "id"))
    if not children:
        raise JobInputError(_("There are no children in this township or village."))
    progress(0, len(children) + 1)
    try:
        dossier_pdf(path, user, children, progress=progress)
    except PdfUnavailable as error:
        raise JobInputError(str(error)) from None
    progress(len(children) + 1, len(children) + 1)
    return {"children": len(children), "masked": not sees_full_identity(user)}


register_export(
    DOSSIER_BATCH,
    _("Child files (一人一档, batch PDF)"),
    write_dossier_batch,
    document=DOSSIER_DOCUMENT,
    form_class=DossierJobForm,
    extension="pdf",
)


# --- the pairing card --------------------------------------------------------------------
def card_pairing(user, pk):
    """The pairing ``user`` may see, with its child and current members; None when out of scope."""
    members = PairingMember.objects.select_related("volunteer__team").order_by("-role", "joined_on", "id")
    return (
        Pairing.objects.for_user(user)
        .select_related("child__region__parent__parent__parent")
        .prefetch_related(Prefetch("members", queryset=members))
        .filter(pk=pk)
        .first()
    )


def write_card(card: Sheet, user, pairing, copy: str) -> None:
    f = card.formats
    child = pairing.child
    card.write([(CARD_TITLE, COLUMNS, f.title)], height=TITLE_PT * 2)
    card.write([(copy, COLUMNS, f.subtitle)])
    card.gap()
    guardian = child.guardian_name + (f"（{child.guardian_relation}）" if child.guardian_relation else "")
    for part in (
        facts(
            ("儿童姓名", child.name),
            ("性别", child.get_gender_display()),
            ("卡片颜色", child.get_card_colour_display()),
        ),
        facts(("所在村（社区）", child_place(child)), per_row=1),
        facts(("监护人", guardian), ("联系电话", phone_for(user, child.guardian_phone)), per_row=2),
    ):
        card.facts(part.pairs, per_row=part.per_row)
    mothers = Table(["爱心妈妈", "角色", "联系电话", "所在服务队"], [3, 2, 3, 4])
    for member in pairing.members.all():
        if member.left_on is None:
            volunteer = member.volunteer
            mothers.rows.append(
                [
                    volunteer.name,
                    member.get_role_display(),
                    phone_for(user, volunteer.phone) or EMPTY,
                    volunteer.team.name if volunteer.team_id else EMPTY,
                ]
            )
    if mothers.rows:
        card.table(mothers)
    else:
        card.line(f"爱心妈妈：{NONE}")
    card.facts(facts(("结对日期", day(pairing.started_on))).pairs, per_row=1)
    promise = pairing.commitment or ""
    card.write([("结对承诺", 2, f.label), (promise or EMPTY, 10, f.value)], min_lines=4)
    card.gap(14)
    card.write(
        [
            ("爱心妈妈（签字）：", 4, f.signature),
            ("监护人（签字）：", 4, f.signature),
            ("乡镇妇联（盖章）：", 4, f.signature),
        ],
        height=30,
    )
    card.write([("日期：　　　　年　　月　　日", COLUMNS, f.right)])


def write_pairing_card(target, user, pairing) -> None:
    """The card twice on one A4 page (one for the family, one for the mother), a cut line between."""
    with translation.override("zh-hans"):
        workbook = open_workbook(target)
        card = Sheet(workbook, Formats(workbook), CARD_DOCUMENT)
        card.sheet.fit_to_pages(1, 1)
        for n, copy in enumerate(CARD_COPIES):
            if n:
                card.gap(24)
                card.write([(CUT_LINE, COLUMNS, card.formats.cut)])
                card.gap(24)
            write_card(card, user, pairing, copy)
        workbook.close()


def pairing_card_pdf(target, user, pairing) -> None:
    _as_pdf(lambda xlsx: write_pairing_card(xlsx, user, pairing), target)
    ledger_exported.send(sender=Pairing, user=user, ledger=CARD_DOCUMENT, rows=1, filters={"pairing": str(pairing.pk)})


def card_file_name(pairing) -> str:
    return f"{CARD_DOCUMENT}-{pairing.child.name}.pdf"
