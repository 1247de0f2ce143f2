"""履职台账: a year of each caring mother's work, one row per mother in the user's scope, for the
awards (十佳爱心妈妈) and the year's report (issue 15, item 8).

Written through the project's one workbook writer (``core.ledger.workbook``) and logged as an
export. Pairings, visits, activities and needs are rows about children and count only inside
the user's scope (``for_user``); trainings are the mother's own (a county's training counts for a
township's mother). Phones are masked for a masked role (``core.masking.phone_for``).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.downloads import download_name
from core.ledger.workbook import LedgerWriter, open_workbook
from core.masking import phone_for
from core.signals import ledger_exported
from regions.scoping import user_region

from .models import Training, Volunteer

#: The document's name (core.downloads' rule: region + this + （year）).
DOCUMENT = "爱心妈妈履职台账"
#: The first year anyone may ask for.
FIRST_YEAR = 2000


@dataclass
class YearWork:
    """The sheet: its headers and rows, and the column sums for the 合计 row."""

    year: int
    end: datetime.date
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    totals: list = field(default_factory=list)


def year_bounds(year: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """1 January to 31 December, or to today for the year under way; ValueError for a year to come."""
    if year < FIRST_YEAR or year > today.year:
        raise ValueError(_("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": today.year})
    return datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)


def _by_mother(rows, **aggregates) -> dict[int, dict]:
    return {row["volunteer_id"]: row for row in rows.order_by().values("volunteer_id").annotate(**aggregates)}


def year_work(user, year: int, *, today: datetime.date | None = None) -> YearWork:
    """Each mother in ``user``'s scope who was in the programme during ``year``, with her work.

    A handful of grouped queries for the whole sheet, whatever the number of mothers."""
    from activities.models import Activity, Visit, VisitMode
    from casework.models import Need, NeedStatus
    from pairing.models import PairingMember

    start, end = year_bounds(year, today or timezone.localdate())
    mothers = (
        Volunteer.objects.for_user(user)
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=end))
        .exclude(left_on__lt=start)
        .select_related("team", "region")
        .order_by("region__code", "name", "pk")
    )
    ids = mothers.values("pk")
    members = PairingMember.objects.for_user(user).filter(volunteer__in=ids)
    open_at_end = _by_mother(
        members.serving_on(end).filter(
            Q(pairing__ended_on__isnull=True) | Q(pairing__ended_on__gt=end), pairing__started_on__lte=end
        ),
        n=Count("pairing", distinct=True),
    )
    in_year = _by_mother(
        members.filter(Q(left_on__isnull=True) | Q(left_on__gte=start), joined_on__lte=end).filter(
            Q(pairing__ended_on__isnull=True) | Q(pairing__ended_on__gte=start), pairing__started_on__lte=end
        ),
        n=Count("pairing__child", distinct=True),
    )
    visits = Visit.objects.for_user(user).filter(visited_on__gte=start, visited_on__lte=end)
    visited = Visit.visitors.through.objects.filter(volunteer__in=ids, visit__in=visits.values("pk"))
    contacts = _by_mother(visited, n=Count("visit_id"), last=Max("visit__visited_on"))
    by_mode = {
        (row["volunteer_id"], row["visit__mode_id"]): row["n"]
        for row in visited.order_by().values("volunteer_id", "visit__mode_id").annotate(n=Count("visit_id"))
    }
    modes = list(VisitMode.objects.filter(Q(is_active=True) | Q(pk__in={m for _v, m in by_mode})))
    trainings = _by_mother(
        Training.attendees.through.objects.filter(
            volunteer__in=ids, training__held_on__gte=start, training__held_on__lte=end
        ),
        n=Count("training_id"),
        hours=Sum("training__hours"),
    )
    activities = _by_mother(
        Activity.volunteers.through.objects.filter(
            volunteer__in=ids,
            activity__in=Activity.objects.for_user(user).filter(held_on__gte=start, held_on__lte=end).values("pk"),
        ),
        n=Count("activity_id"),
    )
    needs = _by_mother(
        Need.objects.for_user(user).filter(volunteer__in=ids, found_on__gte=start, found_on__lte=end),
        n=Count("pk"),
        done=Count("pk", filter=Q(status=NeedStatus.DONE)),
    )
    headers = [
        _("No."),
        _("Name"),
        _("Phone"),
        _("Volunteer team"),
        _("Township"),
        _("Employer"),
        _("Status"),
        _("Open pairings at the end of the period"),
        _("Children paired during the year"),
        _("Contacts in the year"),
        *[_("of which: %(mode)s") % {"mode": mode.name} for mode in modes],
        _("Latest contact"),
        _("Trainings attended"),
        _("Training hours"),
        _("Activities joined"),
        _("Needs she acted on"),
        _("of which done"),
    ]
    work = YearWork(year=year, end=end, headers=headers)
    for number, mother in enumerate(mothers, start=1):
        pk = mother.pk
        work.rows.append(
            [
                number,
                mother.name,
                phone_for(user, mother.phone),
                mother.team.name if mother.team_id else "",
                mother.region.name,
                mother.employer,
                mother.get_status_display(),
                open_at_end.get(pk, {}).get("n", 0),
                in_year.get(pk, {}).get("n", 0),
                contacts.get(pk, {}).get("n", 0),
                *[by_mode.get((pk, mode.pk), 0) for mode in modes],
                contacts.get(pk, {}).get("last"),
                trainings.get(pk, {}).get("n", 0),
                trainings.get(pk, {}).get("hours") or 0,
                activities.get(pk, {}).get("n", 0),
                needs.get(pk, {}).get("n", 0),
                needs.get(pk, {}).get("done", 0),
            ]
        )
    latest = headers.index(_("Latest contact"))
    work.totals = [
        _("Total"),
        *[""] * 6,
        *["" if i == latest else sum(row[i] for row in work.rows) for i in range(7, len(headers))],
    ]
    return work


def work_book_name(user, year: int) -> str:
    return download_name(region=user_region(user), kind=DOCUMENT, period=f"{year}年", extension="xlsx")


def write_work_book(target, *, user, year: int, today: datetime.date | None = None) -> int:
    """Write the year's 履职台账 to ``target`` (a path or a binary file), log the export as
    ``user`` and return the number of mothers on it. ValueError for a year that cannot be asked for."""
    work = year_work(user, year, today=today)
    book = open_workbook(target)
    region = user_region(user)
    title = _("%(region)s caring mothers' work ledger, %(year)d (to %(day)s)") % {
        "region": region.full_name() if region is not None else _("all regions"),
        "year": year,
        "day": f"{work.end:%Y-%m-%d}",
    }
    writer = LedgerWriter(book, _("%(year)d work ledger") % {"year": year}, work.headers, title=title)
    for row in work.rows:
        writer.write_row(row)
    if work.rows:
        writer.write_row(work.totals)
    writer.finish()
    book.close()
    ledger_exported.send(
        sender=Volunteer, user=user, ledger="mothers_work", rows=len(work.rows), filters={"year": str(year)}
    )
    return len(work.rows)
