"""The monthly ledger workbook (月度台账) that federations file upwards.

Figures on 汇总 come from ``reports.indicators.compute`` — the same call the dashboard makes.
Rows are streamed (xlsxwriter ``constant_memory``, querysets read in chunks), so memory does
not grow with the region; a sheet that reaches Excel's row limit continues on a new sheet.

Each sheet is one query that returns its rows as tuples, whatever the region's size: what a
row gathers from other tables (difficulty types, a pairing's mothers, the month's visits) is
collected by subqueries in the database, not by prefetching model instances. Building model
instances and prefetch caches for every child cost more than writing the workbook.

Column headers are the ledger's own Chinese names (the ones the importer reads), not UI text,
so they are not translated.
"""

import datetime
from collections.abc import Collection, Iterable
from contextlib import contextmanager

from django.db import models, transaction
from django.db.models import CharField, Count, F, OuterRef, Subquery, Sum, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, ExtractDay, ExtractMonth
from django.utils import timezone

from activities.models import Activity, Visit
from children.models import CardColour, Child, Gender
from core.idnumber import mask_id_number, mask_phone
from core.ledger.workbook import open_workbook
from core.masking import mask_birth_date, sees_full_identity
from core.permissions import LEDGER_SHEETS
from core.signals import ledger_exported
from pairing.models import Pairing, PairingMember
from volunteers.models import Training

from .indicators import Indicators, Scope, compute, month_end

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
        self.sheet.write_row(self.next_row, 0, values)
        self.next_row += 1
        self.rows += 1


class LedgerBook:
    def __init__(self, target, *, title: str, max_rows: int = EXCEL_MAX_ROWS):
        self.workbook = open_workbook(
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


class TextList(models.TextField):
    """A list of strings read back from ``ListOf``."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        if isinstance(value, list):
            return value
        return value.split(ListOf.SEPARATOR)


class ListOf(Subquery):
    """The one column of ``queryset`` for each outer row, as a list in the queryset's order.

    PostgreSQL: ``ARRAY(subquery)``, which keeps the subquery's order. Elsewhere (SQLite) the
    values are joined with a separator no ledger text contains and split when read; SQLite
    concatenates an ordered subquery in order (it does not flatten it into the aggregate).
    The queryset selects exactly one value, named ``v``.
    """

    SEPARATOR = "\x1f"
    template = "(SELECT group_concat(v, char(31)) FROM (%(subquery)s))"

    def __init__(self, queryset, **extra):
        super().__init__(queryset, output_field=TextList(), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)


@contextmanager
def reading():
    """The queries of one export, in one transaction (a consistent snapshot across the sheets).

    PostgreSQL's JIT, which cost more than running these large queries once, is off for every
    connection of the application (config/settings.py).
    """
    with transaction.atomic():
        yield


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
    sheets: Collection[str] | None = None,
) -> Indicators:
    """Write the month's ledger for ``user``'s scope (or ``region``) to ``target``.

    ``mask_for`` is the account whose right to see full ID and phone numbers applies; the
    command line (no account) sees them in full. ``sheets`` names the sheets to write (what
    ``core.permissions.may_export`` grants; None: all). Returns the indicators written on 汇总.
    """
    wanted = [sheet for sheet in LEDGER_SHEETS if sheets is None or sheet in sheets]
    scope = Scope(user=user, region=region)
    with reading():
        figures = compute(month=month, user=user, region=region, today=today)
        book = LedgerBook(target, title=ledger_title(figures), max_rows=max_rows)
        rows = LedgerRows(scope, month=figures.month, end=figures.end, as_of=figures.as_of)
        full = mask_for is None or sees_full_identity(mask_for)
        id_no, phone, born = (_as_is, _as_is, _as_is) if full else (mask_id_number, mask_phone, mask_birth_date)
        total = _summary(book, figures) if "汇总" in wanted else 0
        if "基础台账" in wanted:
            total += _children_sheet(book, rows.children(), id_no, phone, born)
        if "结对帮扶关爱台账" in wanted:
            total += _pairing_sheet(book, rows.pairings(), id_no, phone)
        if "活动台账" in wanted:
            total += _activities_sheet(book, rows.activities())
        if "培训台账" in wanted:
            total += _trainings_sheet(book, rows.trainings())
        if "基础台账" in wanted:  # corrections name children: for those who get the children's sheet
            total += _corrections_sheet(book, scope, figures.month)
        book.close()
    ledger_exported.send(
        sender=LedgerBook,
        user=mask_for,
        ledger="monthly",
        rows=total,
        filters={"month": f"{month:%Y-%m}", "region": region.code if region else "", "sheets": "、".join(wanted)},
    )
    return figures


class LedgerRows:
    """The querysets behind the sheets: tuples, in the order the sheets list them.

    The benchmark's floor (``bench/more_cases.py``) writes these same rows with no formatting.
    """

    def __init__(self, scope: Scope, *, month: datetime.date, end: datetime.date, as_of: datetime.date):
        self.scope, self.month, self.end, self.as_of = scope, month, end, as_of

    @classmethod
    def for_month(cls, month: datetime.date, *, user=None, region=None, today=None) -> "LedgerRows":
        end = month_end(month)
        as_of = min(end, today or timezone.localdate())
        return cls(Scope(user=user, region=region), month=month, end=end, as_of=as_of)

    def all(self) -> list:
        return [self.children(), self.pairings(), self.activities(), self.trainings()]

    def _on_books(self):
        """The month's children, each with ``colour_on``, the card colour at the month's end."""
        return (
            self.scope(Child.objects)
            .on_books(self.as_of)
            .with_colour_on(self.as_of)
            .order_by("region__code", "name", "pk")
        )

    def children(self):
        difficulties = (
            Child.difficulties.through.objects.filter(child=OuterRef("pk"))
            .order_by("difficultytype__sort_order", "difficultytype__name")
            .values(v=F("difficultytype__name"))
        )
        return (
            self._on_books()
            .with_visit_schedule(today=self.as_of, colour="colour_on")
            .annotate(difficulty_names=ListOf(difficulties))
            .values_list(
                "name",
                "gender",
                "id_number",
                "birth_date",
                "category__name",
                "difficulty_names",
                "colour_on",
                "region__parent__name",
                "region__name",
                "address",
                "school",
                "grade",
                "guardian_name",
                "guardian_relation",
                "guardian_phone",
                "last_contact",
                "next_due",
                "notes",
            )
        )

    def pairings(self):
        as_of = self.as_of
        open_then = Pairing.objects.open_on(as_of).filter(child=OuterRef("pk")).order_by("-started_on", "-pk")
        members = (
            PairingMember.objects.serving_on(as_of)
            .filter(pairing=OuterRef("pairing_then"))
            .order_by("-role", "joined_on", "pk")
        )
        visits = Visit.objects.filter(child=OuterRef("pk"), visited_on__range=(self.month, self.end))
        goods = visits.order_by().values("child").annotate(total=Sum("goods_value")).values("total")
        return (
            self._on_books()
            .annotate(
                pairing_then=Subquery(open_then.values("pk")[:1]),
                started_on=Subquery(open_then.values("started_on")[:1]),
            )
            .annotate(
                mothers=ListOf(members.values(v=F("volunteer__name"))),
                phones=ListOf(members.values(v=F("volunteer__phone"))),
                visit_lines=ListOf(visits.order_by("visited_on", "pk").values(v=visit_line())),
                goods=Coalesce(Subquery(goods), Value(0), output_field=models.DecimalField()),
            )
            .values_list(
                "name",
                "id_number",
                "region__parent__name",
                "region__name",
                "colour_on",
                "started_on",
                "mothers",
                "phones",
                "visit_lines",
                "goods",
            )
        )

    def activities(self):
        return (
            self.scope(Activity.objects)
            .filter(held_on__range=(self.month, self.end))
            .order_by("held_on", "pk")
            .values_list(
                "title",
                "held_on",
                "activity_type__name",
                "region__name",
                "place",
                "children_count",
                "volunteers_count",
                "person_times",
                "goods_value",
                "description",
            )
        )

    def trainings(self):
        return (
            self.scope(Training.objects)
            .filter(held_on__range=(self.month, self.end))
            .annotate(attendance=Count("attendees"))
            .order_by("held_on", "pk")
            .values_list("title", "held_on", "topic", "place", "trainer", "hours", "attendance")
        )


def visit_line():
    """「1月10日 入户走访，发现…，帮扶：…」 — one visit on the pairing sheet, built in SQL."""

    def number(expression):
        return Cast(expression, CharField())

    def unless_blank(field, prefix):
        return models.Case(
            models.When(**{field: ""}, then=Value("")),
            default=Concat(Value(prefix), F(field)),
            output_field=TextField(),
        )

    return Concat(
        number(ExtractMonth("visited_on")),
        Value("月"),
        number(ExtractDay("visited_on")),
        Value("日 "),
        F("mode__name"),
        unless_blank("findings", "，"),
        unless_blank("help_given", "，帮扶："),
        output_field=TextField(),
    )


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


def _as_is(value):
    return value


def _labels(choices) -> dict[str, str]:
    """A choice's display text, translated once per export rather than once per row."""
    return {value: str(label) for value, label in choices}


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


def _children_sheet(book, rows, id_no, phone, birth=_as_is) -> int:
    sheet = book.sheet("基础台账", CHILD_COLUMNS)
    genders, colours = _labels(Gender.choices), _labels(CardColour.choices)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        (name, gender, number, born, category, difficulties, colour, town, village, address, school, grade,
         guardian, relation, guardian_phone, last_contact, next_due, notes) = row  # fmt: skip
        sheet.write(
            [
                n,
                name,
                genders.get(gender, gender),
                id_no(number),
                birth(born),
                category,
                "、".join(difficulties),
                colours.get(colour, colour),
                town or "",
                village,
                address,
                school,
                grade,
                guardian,
                relation,
                phone(guardian_phone),
                last_contact,
                next_due,
                notes,
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


def _pairing_sheet(book, rows, id_no, phone) -> int:
    sheet = book.sheet("结对帮扶关爱台账", PAIRING_COLUMNS)
    colours = _labels(CardColour.choices)
    one, many = str(Pairing.Mode.ONE_TO_ONE.label), str(Pairing.Mode.MANY_TO_ONE.label)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        name, number, town, village, colour, started_on, mothers, phones, visits, goods = row
        mode = (many if len(mothers) > 1 else one) if mothers else ""
        sheet.write(
            [
                n,
                name,
                id_no(number),
                town or "",
                village,
                colours.get(colour, colour),
                mode,
                "、".join(mothers),
                "、".join(phone(p) for p in phones),
                started_on,
                len(visits),
                "\n".join(visits),
                goods,
            ]
        )
    return sheet.rows


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


def _activities_sheet(book, rows) -> int:
    sheet = book.sheet("活动台账", ACTIVITY_COLUMNS)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        sheet.write([n, *row])
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


def _trainings_sheet(book, rows) -> int:
    sheet = book.sheet("培训台账", TRAINING_COLUMNS)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        sheet.write([n, *row])
    return sheet.rows


CORRECTION_COLUMNS = [
    ("序号", 6),
    ("更正月份", 10),
    ("乡镇（街道）", 14),
    ("记录", 30),
    ("更正内容", 30),
    ("更正原因", 24),
    ("更正人", 12),
    ("更正时间", 18),
]


def _corrections_sheet(book, scope: Scope, month: datetime.date) -> int:
    """更正: changes made since to rows of closed months, listed on the next open month's ledger."""
    from closing.models import Correction

    rows = (
        scope(Correction.objects)
        .filter(shown_in=month)
        .order_by("month", "at", "pk")
        .values_list("month", "region__name", "record", "change", "reason", "by__username", "at")
    )
    if not rows.exists():
        return 0
    sheet = book.sheet("更正", CORRECTION_COLUMNS)
    for n, (corrected, town, record, change, reason, by, at) in enumerate(rows, start=1):
        at_text = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
        sheet.write([n, f"{corrected:%Y-%m}", town, record, change, reason, by or "", at_text])
    return sheet.rows
