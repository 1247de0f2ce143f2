"""The monthly ledger workbook (月度台账) that federations file upwards.

Figures on 汇总 come from ``reports.indicators.compute`` — the same call the dashboard makes.
Rows are streamed (xlsxwriter ``constant_memory``, querysets read in chunks), so memory does
not grow with the region; a sheet that reaches Excel's row limit continues on a new sheet.

Column headers are the ledger's own Chinese names (the ones the importer reads), not UI text,
so they are not translated.
"""

import datetime
from collections.abc import Iterable

import xlsxwriter
from django.db.models import Count, Prefetch, Q

from activities.models import Activity, Visit
from children.models import Child
from core.masking import id_number_for, phone_for
from core.signals import ledger_exported
from pairing.models import Pairing, PairingMember
from volunteers.models import Training

from .indicators import Indicators, Scope, compute

EXCEL_MAX_ROWS = 1_048_576
CHUNK = 2000


class SheetWriter:
    """One logical sheet: title row, frozen header, print setup; continues past ``max_rows``."""

    def __init__(self, book: "LedgerBook", name: str, columns: list[tuple[str, int]]):
        self.book, self.name, self.columns = book, name, columns
        self.parts = 0
        self.rows = 0
        self._new_part()

    def _new_part(self):
        self.parts += 1
        name = self.name if self.parts == 1 else f"{self.name}（续{self.parts - 1}）"
        sheet = self.book.workbook.add_worksheet(name)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(1)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        for i, (_header, width) in enumerate(self.columns):
            sheet.set_column(i, i, width)
        last = max(len(self.columns) - 1, 1)
        sheet.merge_range(0, 0, 0, last, self.book.title, self.book.fmt_title)
        sheet.set_row(0, 30)
        sheet.write_row(1, 0, [header for header, _width in self.columns], self.book.fmt_header)
        sheet.freeze_panes(2, 0)
        self.sheet, self.next_row = sheet, 2

    def write(self, values: Iterable) -> None:
        if self.next_row >= self.book.max_rows:
            self._new_part()
        self.sheet.write_row(self.next_row, 0, list(values))
        self.next_row += 1
        self.rows += 1


class LedgerBook:
    def __init__(self, target, *, title: str, max_rows: int = EXCEL_MAX_ROWS):
        self.workbook = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "default_date_format": "yyyy-mm-dd",
                # Whatever a person typed is text: never a formula, never a link.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.title, self.max_rows = title, max_rows
        self.fmt_title = self.workbook.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        self.fmt_header = self.workbook.add_format(
            {"bold": True, "bg_color": "#F2F2F2", "border": 1, "align": "center", "text_wrap": True}
        )

    def sheet(self, name: str, columns: list[tuple[str, int]]) -> SheetWriter:
        return SheetWriter(self, name, columns)

    def close(self):
        self.workbook.close()


def ledger_title(figures: Indicators) -> str:
    return f"{figures.region_name}“爱心妈妈”结对关爱台账（{figures.month_label}）"


def write_ledger(
    target,
    *,
    month: datetime.date,
    user=None,
    region=None,
    max_rows: int = EXCEL_MAX_ROWS,
    mask_for=None,
    today: datetime.date | None = None,
) -> Indicators:
    """Write the month's ledger for ``user``'s scope (or ``region``) to ``target``.

    ``mask_for`` is the account whose right to see full ID and phone numbers applies; the
    command line (no account) sees them in full. Returns the indicators written on 汇总.
    """
    figures = compute(month=month, user=user, region=region, today=today)
    scope = Scope(user=user, region=region)
    book = LedgerBook(target, title=ledger_title(figures), max_rows=max_rows)
    if mask_for is None:
        id_no, phone = (lambda v: v), (lambda v: v)
    else:
        id_no, phone = (lambda v: id_number_for(mask_for, v)), (lambda v: phone_for(mask_for, v))
    total = _summary(book, figures)
    total += _children_sheet(book, scope, figures, id_no, phone)
    total += _pairing_sheet(book, scope, figures, id_no, phone)
    total += _activities_sheet(book, scope, figures)
    total += _trainings_sheet(book, scope, figures)
    book.close()
    ledger_exported.send(
        sender=LedgerBook,
        user=mask_for,
        ledger="monthly",
        rows=total,
        filters={"month": f"{month:%Y-%m}", "region": region.code if region else ""},
    )
    return figures


def _summary(book: LedgerBook, figures: Indicators) -> int:
    sheet = book.sheet("汇总", [("项目", 34), ("数值", 14), ("", 12), ("", 12), ("", 16)])
    for label, value in figures.summary_rows():
        sheet.write([label, value])
    sheet.write([])
    sheet.write(["乡镇（街道）", "儿童数", "结对率（%）", "逾期未走访", "本月活动数"])
    for row in figures.townships:
        flag = "（本月无活动）" if row.no_activity else ""
        sheet.write([row.name + flag, row.children, row.paired_pct, row.overdue, row.activities])
    return sheet.rows


def _children(scope: Scope, figures: Indicators):
    return (
        scope(Child.objects)
        .on_books(figures.as_of)
        .with_visit_schedule(today=figures.as_of)
        .select_related("category", "region", "region__parent")
        .prefetch_related("difficulties")
        .order_by("region__code", "name", "pk")
    )


CHILD_COLUMNS = [
    ("序号", 6),
    ("姓名", 10),
    ("性别", 6),
    ("身份证号", 21),
    ("出生日期", 12),
    ("儿童类别", 16),
    ("困境类型", 20),
    ("三色卡", 8),
    ("乡镇（街道）", 14),
    ("村（社区）", 14),
    ("家庭住址", 28),
    ("就读学校", 20),
    ("年级", 8),
    ("监护人", 10),
    ("与儿童关系", 10),
    ("监护人电话", 14),
    ("最近走访", 12),
    ("下次走访", 12),
    ("备注", 24),
]


def _children_sheet(book, scope, figures, id_no, phone) -> int:
    sheet = book.sheet("基础台账", CHILD_COLUMNS)
    for n, child in enumerate(_children(scope, figures).iterator(chunk_size=CHUNK), start=1):
        sheet.write(
            [
                n,
                child.name,
                child.get_gender_display(),
                id_no(child.id_number),
                child.birth_date,
                child.category.name,
                "、".join(d.name for d in child.difficulties.all()),
                child.get_card_colour_display(),
                child.region.parent.name if child.region.parent_id else "",
                child.region.name,
                child.address,
                child.school,
                child.grade,
                child.guardian_name,
                child.guardian_relation,
                phone(child.guardian_phone),
                child.last_contact,
                child.next_due,
                child.notes,
            ]
        )
    return sheet.rows


PAIRING_COLUMNS = [
    ("序号", 6),
    ("儿童姓名", 10),
    ("儿童身份证号", 21),
    ("乡镇（街道）", 14),
    ("村（社区）", 14),
    ("三色卡", 8),
    ("结对方式", 10),
    ("爱心妈妈", 18),
    ("爱心妈妈电话", 16),
    ("结对时间", 12),
    ("本月走访次数", 10),
    ("本月走访记录", 50),
    ("物资折价（元）", 12),
]


def _pairing_sheet(book, scope, figures, id_no, phone) -> int:
    as_of, month = figures.as_of, figures.month
    open_then = Q(started_on__lte=as_of) & (Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
    members_then = (
        PairingMember.objects.filter(joined_on__lte=as_of)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=as_of))
        .select_related("volunteer")
        .order_by("-role", "joined_on")
    )
    children = _children(scope, figures).prefetch_related(
        Prefetch(
            "pairings",
            queryset=Pairing.objects.filter(open_then).prefetch_related(
                Prefetch("members", queryset=members_then, to_attr="members_then")
            ),
            to_attr="pairing_then",
        ),
        Prefetch(
            "visits",
            queryset=Visit.objects.filter(visited_on__range=(month, figures.end))
            .select_related("mode")
            .order_by("visited_on"),
            to_attr="visits_in_month",
        ),
    )
    sheet = book.sheet("结对帮扶关爱台账", PAIRING_COLUMNS)
    for n, child in enumerate(children.iterator(chunk_size=CHUNK), start=1):
        pairing = child.pairing_then[0] if child.pairing_then else None
        members = pairing.members_then if pairing else []
        mode = ""
        if members:
            mode = (Pairing.Mode.MANY_TO_ONE if len(members) > 1 else Pairing.Mode.ONE_TO_ONE).label
        visits = child.visits_in_month
        sheet.write(
            [
                n,
                child.name,
                id_no(child.id_number),
                child.region.parent.name if child.region.parent_id else "",
                child.region.name,
                child.get_card_colour_display(),
                str(mode),
                "、".join(m.volunteer.name for m in members),
                "、".join(phone(m.volunteer.phone) for m in members),
                pairing.started_on if pairing else None,
                len(visits),
                "\n".join(_visit_line(v) for v in visits),
                sum(v.goods_value for v in visits),
            ]
        )
    return sheet.rows


def _visit_line(visit) -> str:
    parts = [f"{visit.visited_on.month}月{visit.visited_on.day}日 {visit.mode.name}"]
    if visit.findings:
        parts.append(visit.findings)
    if visit.help_given:
        parts.append(f"帮扶：{visit.help_given}")
    return "，".join(parts)


ACTIVITY_COLUMNS = [
    ("序号", 6),
    ("活动名称", 30),
    ("活动日期", 12),
    ("活动类型", 12),
    ("乡镇（街道）", 14),
    ("活动地点", 24),
    ("参与儿童数", 10),
    ("参与爱心妈妈数", 12),
    ("参与人次", 10),
    ("物资金额（元）", 12),
    ("活动内容", 40),
]


def _activities_sheet(book, scope, figures) -> int:
    activities = (
        scope(Activity.objects)
        .filter(held_on__range=(figures.month, figures.end))
        .select_related("activity_type", "region")
        .order_by("held_on", "pk")
    )
    sheet = book.sheet("活动台账", ACTIVITY_COLUMNS)
    for n, a in enumerate(activities.iterator(chunk_size=CHUNK), start=1):
        sheet.write(
            [
                n,
                a.title,
                a.held_on,
                a.activity_type.name,
                a.region.name,
                a.place,
                a.children_count,
                a.volunteers_count,
                a.person_times,
                a.goods_value,
                a.description,
            ]
        )
    return sheet.rows


TRAINING_COLUMNS = [
    ("序号", 6),
    ("培训名称", 30),
    ("培训日期", 12),
    ("培训主题", 16),
    ("培训地点", 24),
    ("授课人", 14),
    ("学时", 8),
    ("参训人数", 10),
]


def _trainings_sheet(book, scope, figures) -> int:
    trainings = (
        scope(Training.objects)
        .filter(held_on__range=(figures.month, figures.end))
        .annotate(attendance=Count("attendees"))
        .order_by("held_on", "pk")
    )
    sheet = book.sheet("培训台账", TRAINING_COLUMNS)
    for n, t in enumerate(trainings.iterator(chunk_size=CHUNK), start=1):
        sheet.write([n, t.title, t.held_on, t.topic, t.place, t.trainer, t.hours, t.attendance])
    return sheet.rows
