"""The monthly ledger workbook (月度台账) that federations file upwards.

Figures on 汇总 come from ``reports.indicators.compute`` — the same call the dashboard makes.
Rows are streamed (xlsxwriter ``constant_memory``, querysets read in chunks), so memory does
not grow with the region; a sheet that reaches Excel's row limit continues on a new sheet.

Each sheet is one query that returns its rows as tuples, whatever the region's size: what a
row gathers from other tables (difficulty types, a pairing's mothers, the month's visits) is
collected by subqueries in the database, not by prefetching model instances. Building model
instances and prefetch caches for every child cost more than writing the workbook.

How it prints (titles, 填报单位, 合计 and signature rows, widths, fonts, page set-up) is
``reports.ledger_print``; the PDF is this workbook rendered by LibreOffice (``reports.pdf``).

Column headers are the ledger's own Chinese names (the ones the importer reads), not UI text,
so they are not translated.
"""

import datetime
from collections.abc import Collection, Iterable
from contextlib import contextmanager

from django.db import models, transaction
from django.db.models import CharField, Count, F, FilteredRelation, OuterRef, Q, Subquery, Sum, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, ExtractDay, ExtractMonth
from django.utils import timezone

from activities.models import Activity, Visit
from casework.models import OPEN_NEED_STATUSES, Need, NeedKind
from children.family import HealthStatus, join_place
from children.ledger_family import (
    AID_WORDS,
    DISABILITY_WORDS,
    GRADE_WORDS,
    GUARDIANSHIP_WORDS,
    HEALTH_WORDS,
    PARENT_WORDS,
    RATING_WORDS,
    STAGE_WORDS,
)
from children.models import CardColour, Child, Gender
from core.downloads import document_title, download_name
from core.idnumber import mask_id_number, mask_phone
from core.ledger.workbook import open_workbook
from core.masking import mask_birth_date, sees_full_identity
from core.permissions import LEDGER_SHEETS
from core.signals import ledger_exported
from pairing.models import Pairing, PairingMember
from volunteers.models import Training

from . import ledger_print
from .indicators import Indicators, Scope, compute, month_end, percent
from .ledger_print import CODE, DATE, INT, LINES, MONEY, NUMBER, SERIAL, SHORT, TEXT, Col

EXCEL_MAX_ROWS = 1_048_576
CHUNK = 2000


class SheetWriter:
    """One logical sheet: title rows, frozen header, print setup; continues past ``max_rows``.

    ``finish`` ends it with the 合计 row (columns marked ``total``) and the signature lines.
    """

    def __init__(self, book: "LedgerBook", name: str, columns: list[Col], *, portrait: bool = False):
        self.book, self.name, self.columns, self.portrait = book, name, columns, portrait
        self.parts = 0
        self.rows = 0
        self.totals = {i: 0 for i, column in enumerate(columns) if column.total}
        self.plan = ledger_print.RowPlan(book.formats, columns)
        self._new_part()

    def _new_part(self):
        self.parts += 1
        name = self.name if self.parts == 1 else f"{self.name}（续{self.parts - 1}）"
        sheet = self.book.workbook.add_worksheet(name)
        self.sheet, self.next_row = sheet, self.book.heading.start(sheet, self.book.formats, name, self)

    def write(self, values: Iterable, *, kinds=None) -> None:
        # Room is kept for the 合计 and signature rows that follow the last row.
        if self.next_row >= self.book.max_rows - ledger_print.FOOTER_ROWS:
            self._new_part()
        values = list(values)
        if kinds is None and len(values) == self.plan.size:
            self.plan.write(self.sheet, self.next_row, values)
        else:
            ledger_print.write_data_row(self.sheet, self.book.formats, self.next_row, values, self.columns, kinds)
        totals = self.totals
        for i in totals:
            totals[i] += (values[i] or 0) if i < len(values) else 0
        self.next_row += 1
        self.rows += 1

    def finish(self) -> int:
        self.book.heading.end(self.sheet, self.book.formats, self.next_row, self)
        return self.rows


class LedgerBook:
    def __init__(
        self, target, *, title: str, max_rows: int = EXCEL_MAX_ROWS, heading: ledger_print.Heading | None = None
    ):
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
        self.heading = heading or ledger_print.Heading()
        self.formats = ledger_print.Formats(self.workbook)
        self._current: SheetWriter | None = None

    def sheet(self, name: str, columns: list[Col], *, portrait: bool = False) -> SheetWriter:
        self._finish_current()
        self._current = SheetWriter(self, name, columns, portrait=portrait)
        return self._current

    def _finish_current(self):
        if self._current is not None:
            self._current.finish()
            self._current = None

    def close(self):
        self._finish_current()
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


def ledger_file_name(region, month: datetime.date, extension: str) -> str:
    """The monthly ledger's file name: the dashboard's .xlsx and PDF, the monthly_ledger job,
    export_ledger's default output and the file a month close stores (core.downloads' rule)."""
    return download_name(region=region, kind="monthly_ledger", period=month, extension=extension)


def ledger_title(figures: Indicators) -> str:
    """The ledger's title, which is also its file's name (core.downloads: one rule for every download)."""
    return document_title(region=figures.region_name, kind="monthly_ledger", period=figures.month)


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
    reviewer=None,
    preparer=None,
) -> Indicators:
    """Write the month's ledger for ``user``'s scope (or ``region``) to ``target``.

    ``mask_for`` is the account whose right to see full ID and phone numbers applies; the
    command line (no account) sees them in full. It is also the 填表人; ``reviewer`` (the
    account that closed the month, or a name) is the 审核人, blank while the month is open;
    ``preparer`` names the 填表人 when it is not that account (a stored ledger: who submitted).
    ``sheets`` names the sheets to write (what ``core.permissions.may_export`` grants; None:
    all). Returns the indicators written on 汇总.
    """
    wanted = [sheet for sheet in LEDGER_SHEETS if sheets is None or sheet in sheets]
    scope = Scope(user=user, region=region)
    with reading():
        figures = compute(month=month, user=user, region=region, today=today)
        heading = ledger_print.Heading.of(
            figures, preparer=preparer or mask_for or user, reviewer=reviewer, filed_on=today
        )
        book = LedgerBook(target, title=ledger_title(figures), max_rows=max_rows, heading=heading)
        rows = LedgerRows(scope, month=figures.month, end=figures.end, as_of=figures.as_of)
        full = mask_for is None or sees_full_identity(mask_for)
        id_no, phone, born = (_as_is, _as_is, _as_is) if full else (mask_id_number, mask_phone, mask_birth_date)
        total = _summary(book, figures) if "汇总" in wanted else 0
        if "基础台账" in wanted:
            total += _children_sheet(book, rows.children(), id_no, phone, born)
        if "家庭监护台账" in wanted and "基础台账" in wanted:  # names the same children, in the same order
            total += _family_sheet(book, rows.family(), phone)
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
        return [self.children(), self.family(), self.pairings(), self.activities(), self.trainings()]

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

    def family(self):
        """家庭监护台账: the same children as ``children()``, in the same order (so the same 序号)."""
        return self._on_books().values_list(
            "name",
            "region__name",
            "father_name",
            "father_status",
            "father_work_province",
            "father_work_city",
            "mother_name",
            "mother_status",
            "mother_work_province",
            "mother_work_city",
            "guardian_name",
            "guardian_relation",
            "guardian_phone",
            "guardianship_type",
            "guardianship_rating",
            "health_status",
            "disability_category",
            "disability_grade",
            "illness",
            "school_stage",
            "boarding",
            "aid_received",
        )

    def pairings(self):
        as_of = self.as_of
        # The pairing open at the month's end (the latest started, should two overlap), joined
        # once: its start and its mothers read the joined row. As annotations, each reference
        # would repeat the lookup (three per child).
        open_then = Pairing.objects.open_on(as_of).filter(child=OuterRef("pk")).order_by("-started_on", "-pk")
        pairing_then = FilteredRelation("pairings", condition=Q(pairings__pk=Subquery(open_then.values("pk")[:1])))
        members = (
            PairingMember.objects.serving_on(as_of)
            .filter(pairing=OuterRef("pairing_then__pk"))
            .order_by("-role", "joined_on", "pk")
        )
        visits = Visit.objects.filter(child=OuterRef("pk"), visited_on__range=(self.month, self.end))
        goods = visits.order_by().values("child").annotate(total=Sum("goods_value")).values("total")
        return (
            self._on_books()
            .annotate(pairing_then=pairing_then, started_on=F("pairing_then__started_on"))
            .annotate(
                mothers=ListOf(members.values(v=F("volunteer__name"))),
                phones=ListOf(members.values(v=F("volunteer__phone"))),
                visit_lines=ListOf(visits.order_by("visited_on", "pk").values(v=visit_line())),
                goods=Coalesce(Subquery(goods), Value(0), output_field=models.DecimalField()),
                open_need_lines=ListOf(open_needs(as_of).values(v=need_line())),
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
                "open_need_lines",
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


def open_needs(as_of: datetime.date):
    """The outer child's needs still open at ``as_of``: found by then and open now (待处理, 进行中,
    已转介) or closed only after it; oldest first."""
    return (
        Need.objects.filter(child=OuterRef("pk"), found_on__lte=as_of)
        .filter(models.Q(status__in=OPEN_NEED_STATUSES) | models.Q(closed_on__gt=as_of))
        .order_by("found_on", "pk")
    )


def need_line():
    """「学业：辅导作业（6月30日前）」 — one open need on the pairing sheet, built in SQL."""
    kind = models.Case(
        *[models.When(kind=value, then=Value(str(label))) for value, label in NeedKind.choices],
        default=F("kind"),
        output_field=TextField(),
    )
    due = models.Case(
        models.When(due_on__isnull=True, then=Value("")),
        default=Concat(
            Value("（"),
            Cast(ExtractMonth("due_on"), CharField()),
            Value("月"),
            Cast(ExtractDay("due_on"), CharField()),
            Value("日前）"),
            output_field=TextField(),
        ),
        output_field=TextField(),
    )
    return Concat(kind, Value("："), F("description"), due, output_field=TextField())


SUMMARY_COLUMNS = [
    Col("项目", 20),
    Col("数值", 7, NUMBER),
    Col("", 1.5, ledger_print.GAP),
    Col("乡镇（街道）", 24),
    Col("儿童数", 6.5, INT),
    Col("结对率（%）", 6.5, NUMBER),
    Col("逾期未走访", 6.5, INT),
    Col("本月活动数", 6.5, INT),
]


def _summary(book: LedgerBook, figures: Indicators) -> int:
    """The figures (项目, 数值) with the township table beside them: one portrait page at 9 pt."""
    sheet = book.sheet("汇总", SUMMARY_COLUMNS, portrait=True)
    flag = {True: "（本月无活动）", False: ""}
    towns = [
        [row.name + flag[row.no_activity], row.children, row.paired_pct, row.overdue, row.activities]
        for row in figures.townships
    ]
    if towns:
        children, paired = sum(r.children for r in figures.townships), sum(r.paired for r in figures.townships)
        overdue, activities = sum(r.overdue for r in figures.townships), sum(r.activities for r in figures.townships)
        towns.append(["合计", children, percent(paired, children), overdue, activities])
    left = [[label, value] for label, value in figures.summary_rows()]
    for values, kinds in ledger_print.side_by_side(left, towns, [TEXT, NUMBER], [TEXT, INT, NUMBER, INT, INT]):
        sheet.write(values, kinds=kinds)
    return sheet.rows


def _as_is(value):
    return value


def _labels(choices) -> dict[str, str]:
    """A choice's display text, translated once per export rather than once per row."""
    return {value: str(label) for value, label in choices}


CHILD_COLUMNS = [
    Col("序号", 3, SERIAL),
    Col("姓名", 6, SHORT),
    Col("性别", 3.5, SHORT),
    Col("身份证号", 17.5, CODE),
    Col("出生日期", 9, DATE),
    Col("儿童类别", 7.5, TEXT),
    Col("困境类型", 6, TEXT),
    Col("三色卡", 3.5, SHORT),
    Col("乡镇（街道）", 6, TEXT),
    Col("村（社区）", 5.5, TEXT),
    Col("家庭住址", 9, TEXT),
    Col("就读学校", 6, TEXT),
    Col("年级", 5, SHORT),
    Col("监护人", 5.5, SHORT),
    Col("与儿童关系", 5, SHORT),
    Col("监护人电话", 10.5, CODE),
    Col("最近走访", 9, DATE),
    Col("下次走访", 9, DATE),
    Col("备注", 5, TEXT),
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


FAMILY_COLUMNS = [
    Col("序号", 3, SERIAL),
    Col("姓名", 6, SHORT),
    Col("村（社区）", 6, TEXT),
    Col("父亲姓名", 5.5, SHORT),
    Col("父亲状况（含务工地点）", 12.5, TEXT),
    Col("母亲姓名", 5.5, SHORT),
    Col("母亲状况（含务工地点）", 12.5, TEXT),
    Col("实际监护人/委托照护人", 7, SHORT),
    Col("与儿童关系", 5, SHORT),
    Col("监护人电话", 10.5, CODE),
    Col("监护类型", 14, TEXT),
    Col("监护评价", 4.5, SHORT),
    Col("健康状况", 11, TEXT),
    Col("就学阶段", 5, SHORT),
    Col("是否寄宿", 4, SHORT),
    Col("享受救助", 20, TEXT),
]


def _word(words: dict, value) -> str:
    """A choice as the ledger writes it: the first word the importer reads for it (外出务工, 较好)."""
    names = words.get(value)
    return names[0] if names else (value or "")


def _parent(status: str, province: str, city: str) -> str:
    """「外出务工（广东省深圳市）」: the parent's status, with where they work when it is known."""
    place = join_place(province, city)
    word = _word(PARENT_WORDS, status)
    return f"{word}（{place}）" if word and place else word or place


def _health(status: str, category: str, grade: str, illness: str) -> str:
    word = _word(HEALTH_WORDS, status)
    if status == HealthStatus.DISABLED and (category or grade):
        return f"{word}（{_word(DISABILITY_WORDS, category)}{_word(GRADE_WORDS, grade)}）"
    if status == HealthStatus.ILL and illness:
        return f"{word}（{illness}）"
    return word


def _family_sheet(book, rows, phone) -> int:
    """家庭监护台账: 基础台账's children, row for row, with their family and guardianship."""
    sheet = book.sheet("家庭监护台账", FAMILY_COLUMNS)
    boarding = {True: "是", False: "否", None: ""}
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        (name, village, father, father_status, father_province, father_city, mother, mother_status,
         mother_province, mother_city, guardian, relation, guardian_phone, guardianship, rating, health,
         disability, grade, illness, stage, boards, aid) = row  # fmt: skip
        sheet.write(
            [
                n,
                name,
                village,
                father,
                _parent(father_status, father_province, father_city),
                mother,
                _parent(mother_status, mother_province, mother_city),
                guardian,
                relation,
                phone(guardian_phone),
                _word(GUARDIANSHIP_WORDS, guardianship),
                _word(RATING_WORDS, rating),
                _health(health, disability, grade, illness),
                _word(STAGE_WORDS, stage),
                boarding[boards],
                "、".join(_word(AID_WORDS, a) for a in aid or []),
            ]
        )
    return sheet.rows


PAIRING_COLUMNS = [
    Col("序号", 4, SERIAL),
    Col("儿童姓名", 6.5, SHORT),
    Col("儿童身份证号", 17.5, CODE),
    Col("乡镇（街道）", 6, TEXT),
    Col("村（社区）", 6, TEXT),
    Col("三色卡", 4, SHORT),
    Col("结对方式", 6, SHORT),
    Col("爱心妈妈", 7, TEXT),
    Col("爱心妈妈电话", 11, TEXT),
    Col("结对时间", 9, DATE),
    Col("本月走访次数", 5, INT, total=True),
    Col("本月走访记录", 27, TEXT),
    Col("物资折价（元）", 7, MONEY, total=True),
    Col("未完成帮扶需求", 20, TEXT),
]


#: Joins a child's open needs: 「学业：辅导作业（6月30日前）；\n心理：…」, one to a line.
NEEDS = "；\n"


def _pairing_sheet(book, rows, id_no, phone) -> int:
    sheet = book.sheet("结对帮扶关爱台账", PAIRING_COLUMNS)
    colours = _labels(CardColour.choices)
    one, many = str(Pairing.Mode.ONE_TO_ONE.label), str(Pairing.Mode.MANY_TO_ONE.label)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        name, number, town, village, colour, started_on, mothers, phones, visits, goods, needs = row
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
                LINES.join(mothers),
                LINES.join(phone(p) for p in phones),
                started_on,
                len(visits),
                "\n".join(visits),
                goods,
                NEEDS.join(needs),
            ]
        )
    return sheet.rows


ACTIVITY_COLUMNS = [
    Col("序号", 4, SERIAL),
    Col("活动名称", 18, TEXT),
    Col("活动日期", 10, DATE),
    Col("活动类型", 8, SHORT),
    Col("乡镇（街道）", 7, TEXT),
    Col("活动地点", 14, TEXT),
    Col("参与儿童数", 6, INT, total=True),
    Col("参与爱心妈妈数", 7, INT, total=True),
    Col("参与人次", 6, INT, total=True),
    Col("物资金额（元）", 8.5, MONEY, total=True),
    Col("活动内容", 48, TEXT),
]


def _activities_sheet(book, rows) -> int:
    sheet = book.sheet("活动台账", ACTIVITY_COLUMNS)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        sheet.write([n, *row])
    return sheet.rows


TRAINING_COLUMNS = [
    Col("序号", 4, SERIAL),
    Col("培训名称", 34, TEXT),
    Col("培训日期", 10, DATE),
    Col("培训主题", 26, TEXT),
    Col("培训地点", 28, TEXT),
    Col("授课人", 14, SHORT),
    Col("学时", 6, NUMBER),
    Col("参训人数", 7, INT, total=True),
]


def _trainings_sheet(book, rows) -> int:
    sheet = book.sheet("培训台账", TRAINING_COLUMNS)
    for n, row in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        sheet.write([n, *row])
    return sheet.rows


CORRECTION_COLUMNS = [
    Col("序号", 4, SERIAL),
    Col("更正月份", 9, SHORT),
    Col("乡镇（街道）", 14, SHORT),
    Col("记录", 30, TEXT),
    Col("更正内容", 28, TEXT),
    Col("更正原因", 22, TEXT),
    Col("更正人", 10, SHORT),
    Col("更正时间", 12, SHORT),
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
