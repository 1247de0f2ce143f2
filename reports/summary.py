"""Stored per-region, per-month figures for the wide dashboards (issue 16).

A county, city or the whole province spans up to 100,000 children; computing a month's
``Indicators`` for it costs seconds, and the dashboard's trend wants twelve months. So each
month's figures are kept per region in ``RegionMonthFigures`` and a wide dashboard sums the
regions of its scope in a few queries, whatever the number of townships or months.

The choice (option A of the issue): the table is refreshed by ``refresh_figures`` (the command,
every few minutes from a timer in production, every minute beside ``make run``), not written by
the services themselves. A service that changes figures only calls ``figures_changed`` with the
region and the first day affected; when its transaction commits that leaves a ``FiguresMark``,
and the next refresh recomputes those months for those regions only. So a write costs one small
insert instead of recomputing figures inside the request, and a write path that forgets to mark
(an administrator's SQL, a future bulk path) is still caught by the nightly ``--full`` refresh.
The figures may thus be a few minutes old: the page says when they were refreshed. The running
month's figures depend on the day itself (who is overdue today), so a month whose ``as_of`` is
no longer its right day is recomputed whole on the next refresh.

What is stored is additive. Each row counted belongs to exactly one region: a child (and its
visits, pairings and colour) to its village's township, a mother, team, activity or training to
its own region. So a scope's figure is the sum of its regions' figures — even 走访儿童数
(distinct children visited), since a child is in one township. The year-to-date figures are sums
of the months of the year. Breakdowns by category and by sector are stored as counts by id and
named at read time, as ``compute`` names them, so a renamed category shows its new name at once.

``compute`` stays the definition: ``reports/tests/test_summary.py`` builds random data and checks
that the refreshed table gives exactly ``compute``'s figures for every scope and month.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Visit
from children.models import CardColour, Child, ChildCategory, VisitPolicy
from pairing.models import Pairing, PairingMember
from regions.models import Level, Region
from regions.scoping import ALL, user_region, user_scope
from volunteers.models import Sector, Training, Volunteer, VolunteerTeam

from .indicators import Indicators, Period, Scope, TownshipRow, _children, _joined_by, month_end, percent
from .models import FiguresMark, FiguresMonth, RegionMonthFigures

COLOURS = CardColour.values
#: The summed columns (everything but the breakdowns by id).
SCALARS = [
    "mothers",
    "teams",
    "children",
    *[f"children_{c}" for c in COLOURS],
    "paired",
    "one_to_one",
    "many_to_one",
    "overdue",
    *[f"overdue_{c}" for c in COLOURS],
    "visits",
    "children_visited",
    "visit_goods",
    "activities",
    "person_times",
    "activity_goods",
    "trainings",
    "training_attendance",
]
DECIMALS = {"visit_goods", "activity_goods"}
#: "Since the beginning": every stored month.
DAWN = datetime.date(2000, 1, 1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- Marking -------------------------------------------------------------------------------


def figures_changed(*, regions, since: datetime.date) -> None:
    """Tell the next refresh that ``regions`` (ids or Regions: the keys above — a child's
    township, an activity's township, a training's region) changed from ``since`` on. Written when
    the transaction commits, so a rolled-back write marks nothing."""
    ids = {getattr(region, "pk", region) for region in regions if region is not None}
    if not ids or since is None:
        return
    marks = [FiguresMark(region_id=pk, since=since) for pk in ids]
    transaction.on_commit(lambda: FiguresMark.objects.bulk_create(marks))


def child_key(child) -> int:
    """The region a child's figures are kept under: its village's township."""
    return child.region.parent_id or child.region_id


def child_changed(child, since: datetime.date, *, old_region_id: int | None = None) -> None:
    """A change to ``child`` (its card, entry, exit, visits or pairings) from ``since`` on. A move
    from another village (``old_region_id``) changes the old township's figures too, for every
    month: the child's whole history moves with it."""
    regions = {child_key(child)}
    if old_region_id is not None and old_region_id != child.region_id:
        old = Region.objects.filter(pk=old_region_id).values_list(Coalesce("parent_id", "pk"), flat=True).first()
        regions.add(old)
        since = DAWN
    figures_changed(regions=regions, since=since)


def earlier(model, obj, field: str) -> datetime.date:
    """The earlier of ``obj``'s ``field`` and the one stored for it (before an edit moves it)."""
    new = getattr(obj, field)
    old = model.objects.filter(pk=obj.pk).values_list(field, flat=True).first() if obj.pk else None
    return min(d for d in (new, old) if d is not None)


def row_changed(model, obj, field: str) -> None:
    """Before saving ``obj`` (an activity or training, kept under its own region): mark its
    region and month, and the ones it had before the edit."""
    old = model.objects.filter(pk=obj.pk).values_list("region_id", field).first() if obj.pk else None
    regions, days = {obj.region_id}, [getattr(obj, field)]
    if old:
        regions.add(old[0])
        days.append(old[1])
    figures_changed(regions=regions, since=min(d for d in days if d is not None))


#: For rows written in bulk (the ledger import): the date from which each kind changes figures.
BULK_DATES = {
    "child": "entered_on",
    "visit": "visited_on",
    "pairing": "started_on",
    "volunteer": "joined_on",
    "volunteerteam": "founded_on",
    "activity": "held_on",
    "training": "held_on",
}


def rows_created(instances) -> None:
    """Mark the figures of rows inserted in bulk (``bulk_create`` skips the services' marks):
    one or two queries for the whole batch."""
    instances = list(instances)
    if not instances:
        return
    field = BULK_DATES.get(instances[0]._meta.model_name)
    if field is None:
        return
    days = [getattr(obj, field) for obj in instances]
    since = min((d for d in days if d is not None), default=timezone.localdate())
    if hasattr(instances[0], "child_id"):
        children = Child.objects.filter(pk__in={obj.child_id for obj in instances})
        keys = children.values_list(Coalesce("region__parent_id", "region_id"), flat=True).distinct()
    elif isinstance(instances[0], Child):
        children_created(region_ids={obj.region_id for obj in instances}, days=days)
        return
    else:
        keys = {obj.region_id for obj in instances}
    figures_changed(regions=set(keys), since=since)


def children_created(*, region_ids, days) -> None:
    """``rows_created`` for children inserted as plain rows (no instance): their villages' ids
    and their entry dates."""
    since = min((d for d in days if d is not None), default=timezone.localdate())
    regions = Region.objects.filter(pk__in=set(region_ids))
    figures_changed(regions=set(regions.values_list(Coalesce("parent_id", "pk"), flat=True).distinct()), since=since)


# --- Refreshing ----------------------------------------------------------------------------


def wanted_months(today: datetime.date) -> list[datetime.date]:
    """The months kept: at least ``DASHBOARD_FIGURES_MONTHS`` up to this one, from a January
    (a month's year-to-date figures sum the months of its year); older ones are computed live
    when asked for."""
    this = today.replace(day=1)
    first = add_months(this, 1 - settings.DASHBOARD_FIGURES_MONTHS).replace(month=1)
    count = (this.year - first.year) * 12 + this.month
    return [add_months(first, n) for n in range(count)]


def refresh_figures(*, full: bool = False, today: datetime.date | None = None) -> dict:
    """Bring ``RegionMonthFigures`` up to date; returns what was done (for the command's line).

    A month not stored yet, or stored as of another day than its right one (the running month,
    each day), is computed for every region; other months only for the regions marked since.
    """
    started = timezone.now()
    today = today or timezone.localdate()
    months = wanted_months(today)
    intervals = VisitPolicy.intervals()
    stored = {m: (as_of, kept) for m, as_of, kept in FiguresMonth.objects.values_list("month", "as_of", "intervals")}
    marks = list(FiguresMark.objects.values_list("pk", "region_id", "since"))
    # A month is recomputed whole when not stored, stored as of another day (the running month,
    # each day) or with other visit intervals than today's (who is overdue changed everywhere).
    whole = [m for m in months if full or stored.get(m) != (min(month_end(m), today), intervals)]
    partial: dict[datetime.date, set[int]] = defaultdict(set)
    for _pk, region_id, since in marks:
        for m in months:
            if m not in whole and month_end(m) >= since:
                partial[m].add(region_id)
    for m in whole:
        _refresh_month(m, None, today, intervals)
    for m, regions in sorted(partial.items()):
        _refresh_month(m, regions, today, intervals)
    with transaction.atomic():
        FiguresMark.objects.filter(pk__in=[pk for pk, _r, _s in marks]).delete()
        RegionMonthFigures.objects.filter(month__lt=months[0]).delete()
        FiguresMonth.objects.filter(month__lt=months[0]).delete()
        FiguresMonth.objects.filter(month__in=months).update(refreshed_at=started)
    return {"months": len(whole), "regions": sum(len(r) for r in partial.values()), "marks": len(marks)}


def _refresh_month(month: datetime.date, regions: set[int] | None, today: datetime.date, intervals: dict) -> None:
    as_of = min(month_end(month), today)
    rows = region_figures(month, as_of, regions)
    with transaction.atomic():
        old = RegionMonthFigures.objects.filter(month=month)
        if regions is not None:
            old = old.filter(region_id__in=regions)
        old.delete()
        RegionMonthFigures.objects.bulk_create(rows.values(), batch_size=2000)
        if regions is None:
            FiguresMonth.objects.update_or_create(
                month=month, defaults={"as_of": as_of, "intervals": intervals, "refreshed_at": timezone.now()}
            )


def region_figures(month: datetime.date, as_of: datetime.date, regions: set[int] | None = None):
    """The month's figures of every region (or of ``regions``), grouped in the database or in
    one pass over the children, the way ``compute`` counts them; regions with nothing are left
    out."""
    end = month_end(month)
    rows: dict[int, RegionMonthFigures] = {}

    def row(region_id):
        if region_id not in rows:
            rows[region_id] = RegionMonthFigures(region_id=region_id, month=month)
        return rows[region_id]

    def only(queryset, key):
        # The region a row counts under, as ``key``; limited to ``regions`` when given.
        queryset = queryset.annotate(key=key)
        return queryset if regions is None else queryset.filter(key__in=regions)

    child_key_expr = Coalesce("region__parent_id", "region_id")
    mothers = only(
        _joined_by(Volunteer.objects, "joined_on", as_of).filter(
            ~Q(status=Volunteer.Status.LEFT) | Q(left_on__gt=as_of)
        ),
        F("region_id"),
    )
    for key, sector, n in mothers.order_by().values_list("key", "sector_id").annotate(n=Count("pk")):
        target = row(key)
        target.mothers += n
        target.mothers_by_sector[str(sector or "")] = n
    teams = only(_joined_by(VolunteerTeam.objects, "founded_on", as_of), F("region_id"))
    for key, n in teams.order_by().values_list("key").annotate(n=Count("pk")):
        row(key).teams = n
    _children_into(row, only(_children(Scope(), as_of), child_key_expr), as_of)
    members = (
        only(
            PairingMember.objects.serving_on(as_of).filter(
                pairing__in=Pairing.objects.open_on(as_of).filter(child__in=Child.objects.on_books(as_of))
            ),
            Coalesce("pairing__child__region__parent_id", "pairing__child__region_id"),
        )
        .order_by()
        .values_list("key", "pairing")
        .annotate(n=Count("pk"))
    )
    for key, _pairing, n in members.iterator(chunk_size=5000):
        if n == 1:
            row(key).one_to_one += 1
        else:
            row(key).many_to_one += 1
    visits = only(
        Visit.objects.filter(visited_on__range=(month, end)),
        Coalesce("child__region__parent_id", "child__region_id"),
    )
    for key, n, kids, goods in (
        visits.order_by()
        .values_list("key")
        .annotate(n=Count("pk"), kids=Count("child", distinct=True), goods=Sum("goods_value"))
    ):
        target = row(key)
        target.visits, target.children_visited, target.visit_goods = n, kids, goods or Decimal(0)
    held = only(Activity.objects.filter(held_on__range=(month, end)), F("region_id"))
    for key, n, pt, goods in (
        held.order_by().values_list("key").annotate(n=Count("pk"), pt=Sum("person_times"), goods=Sum("goods_value"))
    ):
        target = row(key)
        target.activities, target.person_times, target.activity_goods = n, pt or 0, goods or Decimal(0)
    trained = only(Training.objects.filter(held_on__range=(month, end)), F("region_id"))
    for key, n, attended in (
        trained.order_by().values_list("key").annotate(n=Count("pk", distinct=True), a=Count("attendees"))
    ):
        target = row(key)
        target.trainings, target.training_attendance = n, attended
    return rows


def _children_into(row, children, as_of: datetime.date) -> None:
    """The children's figures in one pass, as ``indicators._child_figures`` counts them."""
    due_before = {colour: as_of - datetime.timedelta(days=days) for colour, days in VisitPolicy.intervals().items()}
    values = children.order_by().values_list("key", "category_id", "colour_on", "last_contact", "is_paired")
    for key, category, colour, last_contact, is_paired in values.iterator(chunk_size=5000):
        target = row(key)
        target.children += 1
        counts = target.children_by_category
        counts[str(category)] = counts.get(str(category), 0) + 1
        setattr(target, f"children_{colour}", getattr(target, f"children_{colour}") + 1)
        if is_paired:
            target.paired += 1
        if last_contact is None or last_contact < due_before[colour]:
            target.overdue += 1
            setattr(target, f"overdue_{colour}", getattr(target, f"overdue_{colour}") + 1)


# --- Reading -------------------------------------------------------------------------------


def covers(user) -> bool:
    """Whether the stored figures serve ``user``'s scope: every row, or a township or wider
    (they are kept per township, so a village's share is not in them)."""
    scope = user_scope(user)
    return scope is ALL or (isinstance(scope, Region) and scope.level <= Level.TOWNSHIP)


def _sums(user, months: list[datetime.date]) -> dict[datetime.date, dict]:
    aggregates = {name: Sum(name) for name in SCALARS}
    rows = RegionMonthFigures.objects.for_user(user).filter(month__in=months).order_by().values("month")
    return {row.pop("month"): row for row in rows.annotate(**aggregates)}


def stored_months(months: list[datetime.date]) -> dict[datetime.date, FiguresMonth]:
    return {fm.month: fm for fm in FiguresMonth.objects.filter(month__in=months)}


def stored_indicators(user, month: datetime.date) -> tuple[Indicators, datetime.datetime] | None:
    """The month's ``Indicators`` for ``user``'s scope from the stored figures, and when they
    were refreshed; None when the month (or a month of its year before it) is not stored."""
    if not covers(user):
        return None
    year = [datetime.date(month.year, m, 1) for m in range(1, month.month + 1)]
    known = stored_months(year)
    if len(known) < len(year):
        return None
    sums = _sums(user, year)
    empty = dict.fromkeys(SCALARS, None)
    this = sums.get(month, empty)

    def number(name, values):
        value = values.get(name) or 0
        return Decimal(value) if name in DECIMALS else value

    def period(name):
        return Period(number(name, this), sum((number(name, sums.get(m, empty)) for m in year), number(name, {})))

    home = user_region(user)
    stamp = known[month]
    out = Indicators(month=month, end=month_end(month), as_of=stamp.as_of, region_name=home.full_name() if home else "")
    for name in ["mothers", "teams", "paired", "one_to_one", "many_to_one", "overdue", "visits", "children_visited"]:
        setattr(out, name.replace("mothers", "mothers_total"), number(name, this))
    out.children_total = number("children", this)
    out.visit_goods = number("visit_goods", this)
    out.children_by_colour = {c: number(f"children_{c}", this) for c in COLOURS}
    out.overdue_by_colour = {c: number(f"overdue_{c}", this) for c in COLOURS}
    out.activities = period("activities")
    out.person_times = period("person_times")
    out.activity_goods = period("activity_goods")
    out.trainings = period("trainings")
    out.training_attendance = period("training_attendance")
    _breakdowns(out, user, month)
    return out, stamp.refreshed_at


def _breakdowns(out: Indicators, user, month: datetime.date) -> None:
    """The township table and the category and sector breakdowns: one read of the month's rows."""
    towns = {
        code: TownshipRow(code=code, name=name)
        for code, name in Region.objects.for_user(user).filter(level=Level.TOWNSHIP).values_list("code", "name")
    }
    by_category: dict[str, int] = defaultdict(int)
    by_sector: dict[str, int] = defaultdict(int)
    rows = (
        RegionMonthFigures.objects.for_user(user)
        .filter(month=month)
        .values_list(
            "region__code", "children", "paired", "overdue", "activities", "children_by_category", "mothers_by_sector"
        )
    )
    for code, children, paired, overdue, activities, categories, sectors in rows:
        town = towns.get(code)
        if town is not None:
            town.children, town.paired, town.overdue, town.activities = children, paired, overdue, activities
        for key, n in categories.items():
            by_category[key] += n
        for key, n in sectors.items():
            by_sector[key] += n
    out.townships = sorted(towns.values(), key=lambda r: r.code)
    categories = ChildCategory.objects.order_by("sort_order", "name").values_list("pk", "name")
    out.children_by_category = _named(by_category, categories)
    sectors = Sector.objects.order_by("sort_order", "name").values_list("pk", "name")
    out.mothers_by_sector = _named(by_sector, sectors, blank=str(_("not given")))


def _named(counts: dict[str, int], ordered, *, blank: str | None = None) -> list[tuple[str, int]]:
    """Counts by id → (name, n) in the database's order of the lookup table, ids of one name
    together (``compute`` groups by name); a blank id (no sector) where the database sorts NULL."""
    named: dict[str, int] = {}
    for pk, name in ordered:
        n = counts.get(str(pk), 0)
        if n:
            named[name] = named.get(name, 0) + n
    out = list(named.items())
    if counts.get(""):
        none = (blank, counts[""])
        # PostgreSQL sorts NULL last in ascending order, SQLite first.
        out = [none, *out] if connection.vendor == "sqlite" else [*out, none]
    return out


def stored_trend(user, months: list[datetime.date]) -> tuple[dict[datetime.date, dict], datetime.datetime | None]:
    """Trend points (as ``dashboard.trend_point`` makes them) of the stored ``months``, in two
    queries, and the oldest refresh among them."""
    if not covers(user):
        return {}, None
    known = stored_months(months)
    sums = _sums(user, list(known))
    points = {}
    for m in known:
        values = sums.get(m, {})
        children, paired = values.get("children") or 0, values.get("paired") or 0
        points[m] = {
            "month": f"{m:%Y-%m}",
            "label": f"{m.year}年{m.month}月",
            "children": children,
            "paired_pct": percent(paired, children),
            "visits": values.get("visits") or 0,
            "overdue": values.get("overdue") or 0,
            "activities": values.get("activities") or 0,
        }
    oldest = min((fm.refreshed_at for fm in known.values()), default=None)
    return points, oldest
