"""Every figure of the programme for a scope and a month, computed in one place.

The dashboard and the monthly ledger's 汇总 sheet both call ``compute``; a figure is never
computed twice. Each figure is an aggregate in the database, so the number of queries is fixed
(about ten) whatever the size of the region. Every read goes through ``for_user`` or
``in_region``.

A month's figures are "as of" its last day, or today while the month is running (按月末口径):
children entered by then and not yet exited, each with its card colour then (the card history),
mothers and teams that had joined and not left, pairings and memberships open then, contacts up
to then, visits and activities dated in the month. Nothing entered later changes a past month
unless it is dated in it.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Visit
from children.models import CardColour, Child, VisitPolicy
from pairing.models import Pairing, PairingMember
from regions.models import Level, Region
from regions.scoping import user_region
from volunteers.models import Training, Volunteer, VolunteerTeam

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(text: str | None, *, default: datetime.date | None = None) -> datetime.date:
    """``YYYY-MM`` → the first day of that month; blank → this month. Bad text raises ValueError."""
    if not text:
        day = default or timezone.localdate()
        return day.replace(day=1)
    match = MONTH_RE.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise ValueError(_("A month is written YYYY-MM, for example 2025-01: %(value)s") % {"value": text})
    return datetime.date(int(match[1]), int(match[2]), 1)


@dataclass(frozen=True)
class Scope:
    """Whose rows: a staff account (``for_user``) or an explicit region (``in_region``)."""

    user: object = None
    region: Region | None = None

    def __call__(self, queryset):
        if self.user is not None:
            return queryset.for_user(self.user)
        if self.region is not None:
            return queryset.in_region(self.region)
        return queryset.all()

    @property
    def home(self) -> Region | None:
        return self.region if self.user is None else user_region(self.user)


@dataclass
class TownshipRow:
    code: str
    name: str
    children: int = 0
    paired: int = 0
    overdue: int = 0
    activities: int = 0

    @property
    def paired_pct(self) -> float:
        return percent(self.paired, self.children)

    @property
    def no_activity(self) -> bool:
        return self.activities == 0


@dataclass
class Period:
    """Counts for the month and for the year up to the month's end."""

    month: int | Decimal = 0
    ytd: int | Decimal = 0


@dataclass
class Indicators:
    month: datetime.date
    end: datetime.date
    as_of: datetime.date
    region_name: str
    mothers_total: int = 0
    mothers_by_sector: list[tuple[str, int]] = field(default_factory=list)
    teams: int = 0
    children_total: int = 0
    children_by_category: list[tuple[str, int]] = field(default_factory=list)
    children_by_colour: dict[str, int] = field(default_factory=dict)
    paired: int = 0
    one_to_one: int = 0
    many_to_one: int = 0
    visits: int = 0
    children_visited: int = 0
    visit_goods: Decimal = Decimal(0)
    overdue: int = 0
    overdue_by_colour: dict[str, int] = field(default_factory=dict)
    activities: Period = field(default_factory=Period)
    person_times: Period = field(default_factory=Period)
    activity_goods: Period = field(default_factory=Period)
    trainings: Period = field(default_factory=Period)
    training_attendance: Period = field(default_factory=Period)
    townships: list[TownshipRow] = field(default_factory=list)

    @property
    def unpaired(self) -> int:
        return self.children_total - self.paired

    @property
    def paired_pct(self) -> float:
        return percent(self.paired, self.children_total)

    @property
    def month_label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"

    @property
    def townships_without_activity(self) -> list[TownshipRow]:
        return [row for row in self.townships if row.no_activity]

    def summary_rows(self) -> list[tuple[str, object]]:
        """The figures as (label, value) rows, in the order the 汇总 sheet lists them."""
        rows = [
            (_("Caring mothers"), self.mothers_total),
            *[(f"　{name}", n) for name, n in self.mothers_by_sector],
            (_("Volunteer teams"), self.teams),
            (_("Children in the programme"), self.children_total),
            *[(f"　{name}", n) for name, n in self.children_by_category],
            *[(f"　{card(c)}", self.children_by_colour.get(c, 0)) for c in CardColour.values],
            (_("Paired children"), self.paired),
            (_("Pairing coverage (%)"), self.paired_pct),
            (_("Unpaired children"), self.unpaired),
            (_("One-to-one pairings"), self.one_to_one),
            (_("Many-to-one pairings"), self.many_to_one),
            (_("Visits this month"), self.visits),
            (_("Children visited this month"), self.children_visited),
            (_("Children overdue for a visit"), self.overdue),
            *[(f"　{card(c)}", self.overdue_by_colour.get(c, 0)) for c in CardColour.values],
            (_("Activities this month"), self.activities.month),
            (_("Activities this year"), self.activities.ytd),
            (_("Person-times this month"), self.person_times.month),
            (_("Person-times this year"), self.person_times.ytd),
            (_("Value of goods this month (yuan)"), self.activity_goods.month),
            (_("Value of goods this year (yuan)"), self.activity_goods.ytd),
            (_("Trainings this month"), self.trainings.month),
            (_("Trainings this year"), self.trainings.ytd),
            (_("Training attendance this month"), self.training_attendance.month),
            (_("Training attendance this year"), self.training_attendance.ytd),
        ]
        return [(str(label), value) for label, value in rows]


def card(colour: str) -> str:
    return str(_("%(colour)s card") % {"colour": CardColour(colour).label})


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def compute(*, month: datetime.date, user=None, region: Region | None = None, today=None) -> Indicators:
    """All figures for ``user``'s scope (or ``region``) and the month starting ``month``."""
    scope = Scope(user=user, region=region)
    month = month.replace(day=1)
    end = month_end(month)
    as_of = min(end, today or timezone.localdate())
    home = scope.home
    out = Indicators(month=month, end=end, as_of=as_of, region_name=home.full_name() if home else "")
    _mothers(out, scope, as_of)
    out.teams = _joined_by(scope(VolunteerTeam.objects), "founded_on", as_of).count()
    per_town = _child_figures(out, scope, _children(scope, as_of), as_of)
    out.children_by_category = [
        (row["category__name"], row["n"])
        for row in scope(Child.objects)
        .on_books(out.as_of)
        .order_by()
        .values("category__name", "category__sort_order")
        .annotate(n=Count("pk"))
        .order_by("category__sort_order", "category__name")
    ]
    visits = scope(Visit.objects).filter(visited_on__range=(month, end))
    agg = visits.aggregate(n=Count("pk"), kids=Count("child", distinct=True), goods=Sum("goods_value"))
    out.visits, out.children_visited, out.visit_goods = agg["n"], agg["kids"], agg["goods"] or Decimal(0)
    _activities(out, scope, month, end)
    _trainings(out, scope, month, end)
    _townships(out, scope, per_town, month, end)
    return out


def _joined_by(queryset, field: str, day: datetime.date):
    """Rows joined (or founded) by ``day``. A row with no date given counts from the day it was
    registered: the rule children follow through ``entered_on``."""
    return queryset.alias(since=Coalesce(field, TruncDate("created_at"))).filter(since__lte=day)


def _mothers(out: Indicators, scope: Scope, as_of: datetime.date) -> None:
    rows = (
        _joined_by(scope(Volunteer.objects), "joined_on", as_of)
        .filter(~Q(status=Volunteer.Status.LEFT) | Q(left_on__gt=as_of))
        .order_by()
        .values("sector__name", "sector__sort_order")
        .annotate(n=Count("pk"))
        .order_by("sector__sort_order", "sector__name")
    )
    out.mothers_by_sector = [(row["sector__name"] or str(_("not given")), row["n"]) for row in rows]
    out.mothers_total = sum(n for _name, n in out.mothers_by_sector)


def _children(scope: Scope, as_of: datetime.date):
    """Children on the books at ``as_of``, with their colour and last contact then and whether
    paired then."""
    return (
        scope(Child.objects)
        .on_books(as_of)
        .with_colour_on(as_of)
        .with_last_contact(today=as_of)
        .annotate(is_paired=Exists(Pairing.objects.open_on(as_of).filter(child=OuterRef("pk"))))
    )


def _child_figures(out: Indicators, scope: Scope, children, as_of: datetime.date) -> dict[str, dict[str, int]]:
    """The children's figures in one pass over the scope's children, counted here rather than in
    SQL so each child's last-contact probe runs once (grouped SQL repeats it per FILTER); returns
    the per-township counts for the township table."""
    intervals = VisitPolicy.intervals()
    due_before = {colour: as_of - datetime.timedelta(days=days) for colour, days in intervals.items()}
    colours = CardColour.values
    out.children_by_colour = dict.fromkeys(colours, 0)
    out.overdue_by_colour = dict.fromkeys(colours, 0)
    per_town: dict[str, dict[str, int]] = {}
    rows = children.order_by().values_list("region__parent__code", "colour_on", "last_contact", "is_paired")
    for town_code, colour, last_contact, is_paired in rows.iterator(chunk_size=5000):
        town = per_town.setdefault(town_code, {"total": 0, "paired": 0, "overdue": 0})
        town["total"] += 1
        out.children_by_colour[colour] += 1
        if is_paired:
            town["paired"] += 1
        if last_contact is None or last_contact < due_before[colour]:
            town["overdue"] += 1
            out.overdue_by_colour[colour] += 1
    out.children_total = sum(t["total"] for t in per_town.values())
    out.paired = sum(t["paired"] for t in per_town.values())
    out.overdue = sum(t["overdue"] for t in per_town.values())
    # One-to-one or many-to-one: the current mothers of each open pairing of a child on the books.
    members = (
        PairingMember.objects.serving_on(as_of)
        .filter(pairing__in=Pairing.objects.open_on(as_of).filter(child__in=scope(Child.objects).on_books(as_of)))
        .order_by()
        .values("pairing")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    sizes = list(members.iterator(chunk_size=5000))
    out.one_to_one = sizes.count(1)
    out.many_to_one = len(sizes) - out.one_to_one
    return per_town


def _activities(out: Indicators, scope: Scope, month: datetime.date, end: datetime.date) -> None:
    in_month = Q(held_on__gte=month)
    agg = (
        scope(Activity.objects)
        .filter(held_on__range=(month.replace(month=1), end))
        .aggregate(
            n_m=Count("pk", filter=in_month),
            n_y=Count("pk"),
            pt_m=Sum("person_times", filter=in_month),
            pt_y=Sum("person_times"),
            g_m=Sum("goods_value", filter=in_month),
            g_y=Sum("goods_value"),
        )
    )
    out.activities = Period(agg["n_m"], agg["n_y"])
    out.person_times = Period(agg["pt_m"] or 0, agg["pt_y"] or 0)
    out.activity_goods = Period(agg["g_m"] or Decimal(0), agg["g_y"] or Decimal(0))


def _trainings(out: Indicators, scope: Scope, month: datetime.date, end: datetime.date) -> None:
    in_month = Q(held_on__gte=month)
    agg = (
        scope(Training.objects)
        .filter(held_on__range=(month.replace(month=1), end))
        .aggregate(
            n_m=Count("pk", filter=in_month, distinct=True),
            n_y=Count("pk", distinct=True),
            a_m=Count("attendees", filter=in_month),
            a_y=Count("attendees"),
        )
    )
    out.trainings = Period(agg["n_m"], agg["n_y"])
    out.training_attendance = Period(agg["a_m"], agg["a_y"])


def _townships(
    out: Indicators, scope: Scope, per_town: dict[str, dict[str, int]], month: datetime.date, end: datetime.date
) -> None:
    rows = {
        code: TownshipRow(code=code, name=name)
        for code, name in scope(Region.objects).filter(level=Level.TOWNSHIP).values_list("code", "name")
    }
    for code, counts in per_town.items():
        town = rows.get(code)
        if town is not None:
            town.children, town.paired, town.overdue = counts["total"], counts["paired"], counts["overdue"]
    held = (
        scope(Activity.objects)
        .filter(held_on__range=(month, end))
        .order_by()
        .values("region__code")
        .annotate(n=Count("pk"))
    )
    for row in held:
        town = rows.get(row["region__code"])
        if town is not None:
            town.activities = row["n"]
    out.townships = sorted(rows.values(), key=lambda r: r.code)
