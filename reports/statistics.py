"""Figures for a quarter, a year or any date range (阶段统计), on the same definitions as the month.

``period_statistics`` counts what ``reports.indicators.compute`` counts for a month, over any
range: the stock figures (children, mothers, teams, pairings, coverage) as of the range's last
day, or today while it is running (按期末口径, ``as_of``); the flow figures (entered, exited,
joined, left, started, ended, visits, activities, trainings) dated inside the range up to then.
For a one-month range both give the same numbers (reports/tests/test_statistics.py).

The children's flow is checked: 期初 (on the books the day before the range) + 新增 (entered in
the range) − 减少 (exited in the range) = 期末 (on the books at its end). Every figure is an
aggregate in the database, through ``for_user``/``in_region``: about fifteen queries whatever
the size of the scope. Children are counted in the region they live in now, as the month's
figures count them.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Activity, Visit, Workstation
from children.models import Child, Gender, on_books_condition
from pairing.models import Pairing, PairingMember
from regions.models import Region
from regions.scoping import user_region
from volunteers.models import Training, Volunteer, VolunteerTeam

from .indicators import percent

#: Age bands (年龄段) at the end of the range: (key, label, lowest age).
AGE_BANDS = [
    ("0-5", gettext_lazy("0–5 years"), 0),
    ("6-13", gettext_lazy("6–13 years"), 6),
    ("14-16", gettext_lazy("14–16 years"), 14),
    ("17", gettext_lazy("17 years"), 17),
    ("18+", gettext_lazy("18 years and over"), 18),
]
#: The sheets of the workbook, in order; the page shows the same tables.
SHEETS = ["流动", "儿童结构", "爱心妈妈", "结对", "走访与活动", "简报"]

PRESETS = ["this_quarter", "last_quarter", "this_year", "last_year"]

#: The earliest first day of a period: the programme's records start long after it, and the age
#: bands reach 18 years before the period (a year 1 start made the date arithmetic overflow).
EARLIEST_START = datetime.date(2000, 1, 1)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone ``years`` old on ``day`` (born 29 February: 28 February
    in a common year), the rule of ``Child.age_on``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def preset_range(preset: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of 本季度, 上季度, 本年 or 上年 around ``today``."""
    if preset in ("this_year", "last_year"):
        year = today.year - (preset == "last_year")
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    quarter = (today.month - 1) // 3 - (preset == "last_quarter")
    year = today.year + quarter // 4 if quarter >= 0 else today.year - 1
    quarter %= 4
    first = datetime.date(year, 3 * quarter + 1, 1)
    last_month = 3 * quarter + 3
    return first, datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])


@dataclass
class Table:
    headers: list[str]
    rows: list[list]
    caption: str = ""


@dataclass
class PeriodFigures:
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    region_name: str
    region_code: str = ""
    # Children: the flow.
    opening: int = 0
    entered: int = 0
    exits_by_reason: list[tuple[str, int]] = field(default_factory=list)
    closing: int = 0
    # category, band key, gender, count — children on the books at as_of.
    structure: list[tuple[str, str, str, int]] = field(default_factory=list)
    paired: int = 0
    # Mothers and teams.
    mothers_opening: int = 0
    mothers_new: int = 0
    mothers_left: int = 0
    mothers_active: int = 0
    mothers_by_sector: list[tuple[str, int]] = field(default_factory=list)
    teams: int = 0
    teams_new: int = 0
    # Pairings.
    one_to_one: int = 0
    many_to_one: int = 0
    pairings_new: int = 0
    pairings_new_one: int = 0
    pairings_new_many: int = 0
    pairings_ended_by_reason: list[tuple[str, int]] = field(default_factory=list)
    # Visits, activities, trainings.
    visits: int = 0
    children_visited: int = 0
    visit_goods: Decimal = Decimal(0)
    activities: int = 0
    person_times: int = 0
    activity_goods: Decimal = Decimal(0)
    activities_by_type: list[tuple[str, int, int, Decimal]] = field(default_factory=list)
    trainings: int = 0
    training_attendance: int = 0
    courses_used: list[tuple[str, int]] = field(default_factory=list)
    workstations_used: list[tuple[str, int]] = field(default_factory=list)
    workstations: int = 0

    # --- derived -------------------------------------------------------------------
    @property
    def exited(self) -> int:
        return sum(n for _label, n in self.exits_by_reason)

    @property
    def flow_difference(self) -> int:
        """期初 + 新增 − 减少 − 期末: zero when the flow holds."""
        return self.opening + self.entered - self.exited - self.closing

    @property
    def flow_holds(self) -> bool:
        return self.flow_difference == 0

    @property
    def coverage(self) -> float:
        return percent(self.paired, self.closing)

    @property
    def pairings_ended(self) -> int:
        return sum(n for _label, n in self.pairings_ended_by_reason)

    @property
    def day_before(self) -> datetime.date:
        return self.start - datetime.timedelta(days=1)

    @property
    def period_label(self) -> str:
        return f"{self.start:%Y-%m-%d}—{self.end:%Y-%m-%d}"

    def flow_text(self) -> str:
        values = {
            "opening": self.opening,
            "entered": self.entered,
            "exited": self.exited,
            "closing": self.closing,
            "difference": self.flow_difference,
        }
        if self.flow_holds:
            return _("Flow check: %(opening)d + %(entered)d − %(exited)d = %(closing)d, it holds.") % values
        return (
            _(
                "Flow check FAILS: %(opening)d + %(entered)d − %(exited)d ≠ %(closing)d, "
                "a difference of %(difference)d: some children's entry or exit dates are inconsistent."
            )
            % values
        )

    def briefing(self) -> str:
        """The 工作简报 paragraph for the period, ready to paste."""
        return _(
            "From %(start)s to %(end)s, %(region)s had %(mothers)d caring mothers recruited "
            "(%(new_mothers)d new in the period) in %(teams)d volunteer teams; %(paired)d children "
            "paired, a coverage of %(coverage)s%%; %(visits)d visits; %(trainings)d trainings with "
            "%(training_times)d person-times; %(activities)d activities with %(person_times)d "
            "person-times and goods worth %(goods)s yuan; %(courses)d brand courses given."
        ) % {
            "start": f"{self.start.year}年{self.start.month}月{self.start.day}日",
            "end": f"{self.as_of.year}年{self.as_of.month}月{self.as_of.day}日",
            "region": self.region_name or _("all regions"),
            "mothers": self.mothers_active,
            "new_mothers": self.mothers_new,
            "teams": self.teams,
            "paired": self.paired,
            "coverage": f"{self.coverage:g}",
            "visits": self.visits,
            "trainings": self.trainings,
            "training_times": self.training_attendance,
            "activities": self.activities,
            "person_times": self.person_times,
            "goods": f"{self.activity_goods:,.0f}".replace(",", ""),
            "courses": len(self.courses_used),
        }

    # --- tables (the page and the workbook) --------------------------------------------
    def tables(self) -> dict[str, list[Table]]:
        """Each sheet's tables; the page shows the same."""
        item, count = _("Item"), _("Count")
        flow = [
            [_("At the start (on the books on %(day)s)") % {"day": f"{self.day_before:%Y-%m-%d}"}, self.opening],
            [_("Entered in the period"), self.entered],
            [_("Exited in the period"), self.exited],
            *[[f"　{label}", n] for label, n in self.exits_by_reason],
            [_("At the end (on the books on %(day)s)") % {"day": f"{self.as_of:%Y-%m-%d}"}, self.closing],
            [_("Check"), self.flow_text()],
        ]
        mothers = [
            [_("Caring mothers at the start"), self.mothers_opening],
            [_("Caring mothers who joined in the period"), self.mothers_new],
            [_("Caring mothers who left in the period"), self.mothers_left],
            [_("Caring mothers at the end"), self.mothers_active],
            *[[f"　{name}", n] for name, n in self.mothers_by_sector],
            [_("Volunteer teams"), self.teams],
            [_("Volunteer teams founded in the period"), self.teams_new],
        ]
        pairings = [
            [_("Paired children"), self.paired],
            [_("Pairing coverage (%)"), self.coverage],
            [_("Unpaired children"), self.closing - self.paired],
            [_("One-to-one pairings"), self.one_to_one],
            [_("Many-to-one pairings"), self.many_to_one],
            [_("Pairings started in the period"), self.pairings_new],
            [f"　{_('one-to-one')}", self.pairings_new_one],
            [f"　{_('many-to-one')}", self.pairings_new_many],
            [_("Pairings ended in the period"), self.pairings_ended],
            *[[f"　{label}", n] for label, n in self.pairings_ended_by_reason],
        ]
        work = [
            [_("Visits"), self.visits],
            [_("Children visited"), self.children_visited],
            [_("Value of goods given on visits (yuan)"), self.visit_goods],
            [_("Activities"), self.activities],
            [_("Person-times"), self.person_times],
            [_("Value of goods (yuan)"), self.activity_goods],
            [_("Trainings"), self.trainings],
            [_("Training attendance"), self.training_attendance],
            [_("Brand courses given"), len(self.courses_used)],
            [_("Workstations used"), f"{len(self.workstations_used)} / {self.workstations}"],
        ]
        return {
            "流动": [Table([item, count], flow, _("Children in and out"))],
            "儿童结构": [self._structure_table()],
            "爱心妈妈": [Table([item, count], mothers, _("Caring mothers and teams"))],
            "结对": [Table([item, count], pairings, _("Pairings"))],
            "走访与活动": [
                Table([item, count], work, _("Visits, activities and trainings")),
                Table(
                    [_("activity type"), _("Sessions"), _("Person-times"), _("Value of goods (yuan)")],
                    [list(row) for row in self.activities_by_type],
                    _("Activities by type"),
                ),
                Table([_("course"), _("Sessions")], [list(r) for r in self.courses_used], _("Brand courses given")),
                Table(
                    [_("workstation"), _("Sessions")],
                    [list(r) for r in self.workstations_used],
                    _("Workstations used"),
                ),
            ],
            "简报": [Table([_("Work briefing")], [[self.briefing()]], _("Work briefing"))],
        }

    def _structure_table(self) -> Table:
        """Children at the end by category × age band, boys and girls."""
        cells: dict[tuple[str, str], dict[str, int]] = {}
        categories: list[str] = []
        for category, band, gender, n in self.structure:
            if category not in categories:
                categories.append(category)
            cells.setdefault((category, band), {})[gender] = n
        shown = [b for b in AGE_BANDS if b[0] != "18+" or any(k[1] == "18+" for k in cells)]
        rows = []
        for category in [*categories, None]:
            for key, label, _low in shown:
                if category is None:
                    counts = {g: sum(c.get(g, 0) for (_cat, b), c in cells.items() if b == key) for g in Gender.values}
                else:
                    counts = cells.get((category, key), {})
                boys, girls = counts.get(Gender.MALE, 0), counts.get(Gender.FEMALE, 0)
                rows.append([category or _("Total"), str(label), boys, girls, boys + girls])
        headers = [_("category"), _("Age band"), str(Gender.MALE.label), str(Gender.FEMALE.label), _("Total")]
        return Table(headers, rows, _("Children by category, age and gender (at the end)"))


def _scoper(user, region):
    def scope(queryset):
        if user is not None:
            queryset = queryset.for_user(user)
        if region is not None:
            queryset = queryset.in_region(region)
        return queryset

    return scope


def _serving(day: datetime.date) -> Q:
    """``Volunteer`` on the books on ``day`` (the rule of ``indicators._mothers``)."""
    return Q(since__lte=day) & (~Q(status=Volunteer.Status.LEFT) | Q(left_on__gt=day))


def period_statistics(user, start: datetime.date, end: datetime.date, region: Region | None = None, *, today=None):
    """Every figure of the range [start, end] for ``user``'s scope (None: every row), narrowed to
    ``region`` when given. Raises ValueError when the range is empty or has not begun."""
    today = today or timezone.localdate()
    if end < start:
        raise ValueError(_("The period ends before it starts."))
    if start > today:
        raise ValueError(_("The period has not started yet."))
    if start < EARLIEST_START:
        raise ValueError(_("A period starts on %(day)s or later.") % {"day": EARLIEST_START.isoformat()})
    as_of = min(end, today)
    scope = _scoper(user, region)
    home = region or user_region(user)
    out = PeriodFigures(
        start=start,
        end=end,
        as_of=as_of,
        region_name=home.full_name() if home else "",
        region_code=home.code if home else "",
    )
    before = start - datetime.timedelta(days=1)
    in_range = (start, as_of)
    _children(out, scope, before, in_range, as_of)
    _mothers(out, scope, before, in_range, as_of)
    _pairings(out, scope, in_range, as_of)
    _work(out, scope, in_range, as_of)
    return out


def _children(out, scope, before, in_range, as_of) -> None:
    children = scope(Child.objects).order_by()
    exited = Q(status=Child.Status.EXITED, exited_on__range=in_range)
    reasons = Child.ExitReason
    agg = children.aggregate(
        opening=Count("pk", filter=on_books_condition(before)),
        entered=Count("pk", filter=Q(entered_on__range=in_range)),
        closing=Count("pk", filter=on_books_condition(as_of)),
        unknown=Count("pk", filter=exited & ~Q(exit_reason__in=reasons.values)),
        **{f"exit_{value}": Count("pk", filter=exited & Q(exit_reason=value)) for value in reasons.values},
    )
    out.opening, out.entered, out.closing = agg["opening"], agg["entered"], agg["closing"]
    out.exits_by_reason = [(str(label), agg[f"exit_{value}"]) for value, label in reasons.choices]
    if agg["unknown"]:
        out.exits_by_reason.append((_("not given"), agg["unknown"]))
    # Bands from the youngest: born after the cut-off of the next band's lowest age.
    band = Case(
        *[
            When(birth_date__gt=years_before(as_of, AGE_BANDS[i + 1][2]), then=Value(key))
            for i, (key, _label, _low) in enumerate(AGE_BANDS[:-1])
        ],
        default=Value(AGE_BANDS[-1][0]),
        output_field=CharField(),
    )
    rows = (
        children.filter(on_books_condition(as_of))
        .annotate(band=band)
        .values("category__name", "category__sort_order", "band", "gender")
        .annotate(n=Count("pk"))
        .order_by("category__sort_order", "category__name")
    )
    out.structure = [(r["category__name"], r["band"], r["gender"], r["n"]) for r in rows]
    out.paired = (
        children.filter(on_books_condition(as_of))
        .filter(Exists(Pairing.objects.open_on(as_of).filter(child=OuterRef("pk"))))
        .count()
    )


def _mothers(out, scope, before, in_range, as_of) -> None:
    mothers = scope(Volunteer.objects).order_by().alias(since=Coalesce("joined_on", TruncDate("created_at")))
    agg = mothers.aggregate(
        opening=Count("pk", filter=_serving(before)),
        new=Count("pk", filter=Q(since__range=in_range)),
        left=Count("pk", filter=Q(status=Volunteer.Status.LEFT, left_on__range=in_range)),
        active=Count("pk", filter=_serving(as_of)),
    )
    out.mothers_opening, out.mothers_new = agg["opening"], agg["new"]
    out.mothers_left, out.mothers_active = agg["left"], agg["active"]
    rows = (
        mothers.filter(_serving(as_of))
        .values("sector__name", "sector__sort_order")
        .annotate(n=Count("pk"))
        .order_by("sector__sort_order", "sector__name")
    )
    out.mothers_by_sector = [(r["sector__name"] or _("not given"), r["n"]) for r in rows]
    teams = scope(VolunteerTeam.objects).order_by().alias(since=Coalesce("founded_on", TruncDate("created_at")))
    agg = teams.aggregate(
        total=Count("pk", filter=Q(since__lte=as_of)), new=Count("pk", filter=Q(since__range=in_range))
    )
    out.teams, out.teams_new = agg["total"], agg["new"]


def _members_on(day_field: str):
    """The number of mothers serving a pairing on the day in its ``day_field``."""
    day = OuterRef(day_field)
    serving = PairingMember.objects.filter(pairing=OuterRef("pk"), joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )
    return Subquery(
        serving.order_by().values("pairing").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )


def _pairings(out, scope, in_range, as_of) -> None:
    # One-to-one or many-to-one at the end: the mothers serving each open pairing of a child on
    # the books then (as ``indicators._child_figures``); a pairing with none is neither.
    serving = PairingMember.objects.serving_on(as_of).filter(pairing=OuterRef("pk"))
    size = Subquery(
        serving.order_by().values("pairing").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )
    open_then = (
        scope(Pairing.objects)
        .open_on(as_of)
        .filter(child__in=scope(Child.objects).on_books(as_of))
        .order_by()
        .annotate(size=size)
    )
    agg = open_then.aggregate(one=Count("pk", filter=Q(size=1)), many=Count("pk", filter=Q(size__gt=1)))
    out.one_to_one, out.many_to_one = agg["one"], agg["many"]
    # Started in the range: one-to-one or many-to-one by the mothers on the day it started.
    reasons = Pairing.EndReason
    ended = Q(ended_on__range=in_range)
    agg = (
        scope(Pairing.objects)
        .order_by()
        .annotate(at_start=_members_on("started_on"))
        .aggregate(
            new=Count("pk", filter=Q(started_on__range=in_range)),
            new_many=Count("pk", filter=Q(started_on__range=in_range, at_start__gt=1)),
            unknown=Count("pk", filter=ended & ~Q(end_reason__in=reasons.values)),
            **{f"end_{value}": Count("pk", filter=ended & Q(end_reason=value)) for value in reasons.values},
        )
    )
    # A pairing whose mothers were all added after its first day counts as one-to-one.
    out.pairings_new, out.pairings_new_many = agg["new"], agg["new_many"]
    out.pairings_new_one = out.pairings_new - out.pairings_new_many
    out.pairings_ended_by_reason = [(str(label), agg[f"end_{value}"]) for value, label in reasons.choices]
    if agg["unknown"]:
        out.pairings_ended_by_reason.append((_("not given"), agg["unknown"]))


def _work(out, scope, in_range, as_of) -> None:
    agg = (
        scope(Visit.objects)
        .filter(visited_on__range=in_range)
        .aggregate(n=Count("pk"), kids=Count("child", distinct=True), goods=Sum("goods_value"))
    )
    out.visits, out.children_visited, out.visit_goods = agg["n"], agg["kids"], agg["goods"] or Decimal(0)
    activities = scope(Activity.objects).filter(held_on__range=in_range).order_by()
    agg = activities.aggregate(n=Count("pk"), pt=Sum("person_times"), goods=Sum("goods_value"))
    out.activities, out.person_times, out.activity_goods = agg["n"], agg["pt"] or 0, agg["goods"] or Decimal(0)
    out.activities_by_type = [
        (r["activity_type__name"], r["n"], r["pt"] or 0, r["goods"] or Decimal(0))
        for r in activities.values("activity_type__name", "activity_type__sort_order")
        .annotate(n=Count("pk"), pt=Sum("person_times"), goods=Sum("goods_value"))
        .order_by("activity_type__sort_order", "activity_type__name")
    ]
    for target, key in (("courses_used", "course"), ("workstations_used", "workstation")):
        rows = (
            activities.filter(**{f"{key}__isnull": False})
            .values(f"{key}__name")
            .annotate(n=Count("pk"))
            .order_by(f"{key}__name")
        )
        setattr(out, target, [(r[f"{key}__name"], r["n"]) for r in rows])
    out.workstations = scope(Workstation.objects).filter(Q(opened_on__isnull=True) | Q(opened_on__lte=as_of)).count()
    agg = (
        scope(Training.objects)
        .filter(held_on__range=in_range)
        .aggregate(n=Count("pk", distinct=True), a=Count("attendees"))
    )
    out.trainings, out.training_attendance = agg["n"], agg["a"]
