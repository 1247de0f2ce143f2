"""Submitting, closing, returning and reopening a region's month, and corrections to closed months.

Every write to ``MonthClose``, ``ClosedLedger`` and ``Correction`` is here; the dashboard's
buttons, the admin and the commands call these functions.
"""

import datetime
import hashlib
import io

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.masking import FULL_IDENTITY_PERMISSION, sees_full_identity
from regions.models import PREFIX_LENGTH, Level, Region, ancestor_code
from regions.scoping import ALL, scope_covers_level, user_scope

from . import figures as stored_figures
from .models import SHEET_SEPARATOR, ClosedLedger, Correction, MonthClose, MonthState

OPEN_STATES = (MonthState.RETURNED, MonthState.REOPENED)


def first_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _within(user, region: Region) -> bool:
    # The one scoping path, not a second reading of the user's region.
    return Region.objects.for_user(user).filter(pk=region.pk).exists()


def may_submit(user, region: Region, *, in_scope: bool | None = None) -> bool:
    """``in_scope`` is for callers that took ``region`` from ``for_user`` already (one query for a
    whole table rather than one per row); anyone else leaves it out and ``for_user`` is asked."""
    if region.level != Level.TOWNSHIP or not user.has_perm("closing.submit_month"):
        return False
    return _within(user, region) if in_scope is None else in_scope


def may_close(user, region: Region, *, in_scope: bool | None = None) -> bool:
    """County (or higher) admins close, return and reopen months of regions in their scope, down
    to townships (a village has no month of its own: ``covering_codes`` stops at townships)."""
    if region.level > Level.TOWNSHIP or not user.has_perm("closing.close_month"):
        return False
    if not (_within(user, region) if in_scope is None else in_scope):
        return False
    return scope_covers_level(user, Level.COUNTY)


def covering_codes(region: Region) -> list[str]:
    """The codes of ``region`` and every region above it, down to township level: a month
    closed for any of them is closed for rows in ``region``."""
    level = min(Level(region.level), Level.TOWNSHIP)
    return [ancestor_code(region.code, lvl) for lvl in PREFIX_LENGTH if lvl <= level]


def closed_for(region: Region, day: datetime.date) -> MonthClose | None:
    """The closed month that covers rows of ``region`` dated ``day``, if any."""
    return (
        MonthClose.objects.closed()
        .filter(month=first_of(day), region__code__in=covering_codes(region))
        .select_related("region")
        .first()
    )


def state_of(region: Region, month: datetime.date) -> MonthClose | None:
    return MonthClose.objects.filter(region=region, month=first_of(month)).first()


def _locked(region: Region, month: datetime.date) -> MonthClose:
    close, _created = MonthClose.objects.select_for_update().get_or_create(
        region=region, month=first_of(month), defaults={"state": MonthState.RETURNED}
    )
    return close


def _refuse(message) -> None:
    raise ValidationError(message)


@transaction.atomic
def month_submit(*, region: Region, month: datetime.date, by) -> MonthClose:
    """A township reports its month upwards (上报). Nothing is stored yet; the county reviews."""
    if not may_submit(by, region):
        raise PermissionDenied(_("Only the township's own staff can submit its month."))
    if first_of(month) > first_of(timezone.localdate()):
        _refuse(_("A month that has not begun cannot be submitted."))
    close = _locked(region, month)
    if close.state == MonthState.CLOSED:
        _refuse(_("This month is already closed."))
    if close.state == MonthState.SUBMITTED:
        return close
    close.state, close.submitted_by, close.submitted_at = MonthState.SUBMITTED, by, timezone.now()
    close._change_reason = str(_("submitted"))
    close._history_user = by
    close.save()
    return close


def _variants() -> set[tuple[tuple[str, ...], bool]]:
    """Every (sheets, masked) way a role sees the monthly ledger, worked out from the role groups'
    permissions by the one export rule; the command line's whole, unmasked ledger too. A closed
    month stores one file for each, so every later download is a stored file."""
    from django.contrib.auth.models import Group

    from core.permissions import LEDGER_SHEETS

    # The whole unmasked ledger (the command line) and the figures only (the least anyone may get).
    variants = {(tuple(LEDGER_SHEETS), False), (("汇总",), True)}
    for group in Group.objects.prefetch_related("permissions__content_type"):
        perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        sheets = tuple(sheet for sheet, perm in LEDGER_SHEETS.items() if perm in perms)
        if sheets:
            variants.add((sheets, FULL_IDENTITY_PERMISSION not in perms))
    return variants


def _store_ledgers(close: MonthClose, by) -> dict:
    from reports.ledger import ledger_file_name, write_ledger

    figures = None
    for sheets, masked in sorted(_variants()):
        buffer = io.BytesIO()
        figures = write_ledger(
            buffer,
            month=close.month,
            region=close.region,
            mask_for=AnonymousUser() if masked else None,
            sheets=sheets,
            reviewer=by,  # the closing user is the ledger's 审核人
            preparer=close.submitted_by or by,
        )
        data = buffer.getvalue()
        stored = ClosedLedger(
            close=close,
            sheets=SHEET_SEPARATOR.join(sheets),
            masked=masked,
            name=ledger_file_name(close.region, close.month, "xlsx"),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        stored.file.save(stored.name, ContentFile(data), save=False)
        stored.save()
    return stored_figures.to_json(figures)


@transaction.atomic
def month_close(*, region: Region, month: datetime.date, by) -> MonthClose:
    """The county reviews and closes (审核/锁定) a month: its ledger and figures are stored."""
    from reports.indicators import month_end

    if not may_close(by, region):
        raise PermissionDenied(_("Only a county admin above this region can close its month."))
    if month_end(first_of(month)) >= timezone.localdate():
        _refuse(_("A month can be closed only after its last day."))
    close = _locked(region, month)
    if close.state == MonthState.CLOSED:
        _refuse(_("This month is already closed."))
    close.figures = _store_ledgers(close, by)
    close.state, close.closed_by, close.closed_at = MonthState.CLOSED, by, timezone.now()
    close._change_reason = str(_("closed"))
    close._history_user = by
    close.save()
    return close


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Give a reason."))
    return reason


@transaction.atomic
def month_return(*, region: Region, month: datetime.date, by, reason: str) -> MonthClose:
    """The county sends a submitted month back to the township, with a reason (退回)."""
    if not may_close(by, region):
        raise PermissionDenied(_("Only a county admin above this region can return its month."))
    reason = _reason(reason)
    close = _locked(region, month)
    if close.state != MonthState.SUBMITTED:
        _refuse(_("Only a submitted month can be returned."))
    close.state, close.note = MonthState.RETURNED, reason
    close._change_reason = reason
    close._history_user = by
    close.save()
    return close


@transaction.atomic
def month_reopen(*, region: Region, month: datetime.date, by, reason: str) -> MonthClose:
    """A county admin reopens a closed month, with a reason; its stored files are kept, superseded."""
    if not may_close(by, region):
        raise PermissionDenied(_("Only a county admin above this region can reopen its month."))
    reason = _reason(reason)
    close = _locked(region, month)
    if close.state != MonthState.CLOSED:
        _refuse(_("Only a closed month can be reopened."))
    close.ledgers.filter(superseded_at__isnull=True).update(superseded_at=timezone.now())
    close.state, close.note, close.figures = MonthState.REOPENED, reason, None
    close._change_reason = reason
    close._history_user = by
    close.save()
    return close


def stored_ledger(*, region: Region | None, month: datetime.date, user=None) -> ClosedLedger | None:
    """The stored workbook of a closed month for exactly ``region`` that ``user`` may have: the
    sheets ``may_export`` grants, masked unless the user sees full numbers (no user: the whole,
    unmasked file, as the command line writes it). An account whose rights match no stored file
    gets the largest one it may have."""
    from core.permissions import LEDGER_SHEETS, MONTHLY_LEDGER, may_export

    if region is None:
        return None
    granted = set(LEDGER_SHEETS if user is None else may_export(user, MONTHLY_LEDGER))
    masked = user is not None and not sees_full_identity(user)
    candidates = [
        stored
        for stored in ClosedLedger.objects.filter(
            close__region=region,
            close__month=first_of(month),
            close__state=MonthState.CLOSED,
            superseded_at__isnull=True,
        )
        if set(stored.sheet_list) <= granted and (stored.masked or not masked)
    ]
    # The most sheets first; for the same sheets, the unmasked one when the user may see it.
    return max(candidates, key=lambda s: (len(s.sheet_list), not s.masked), default=None)


def stored_figures_for(region: Region | None, month: datetime.date):
    """The figures stored when ``region``'s month was closed, or None while it is open."""
    if region is None:
        return None
    close = MonthClose.objects.closed().filter(region=region, month=first_of(month)).first()
    if close is None or not close.figures:
        return None
    return stored_figures.from_json(close.figures)


def _first_open_month_after(region: Region, month: datetime.date) -> datetime.date:
    candidate = next_month(month)
    closed = set(
        MonthClose.objects.closed()
        .filter(region__code__in=covering_codes(region), month__gt=month)
        .values_list("month", flat=True)
    )
    while candidate in closed:
        candidate = next_month(candidate)
    return candidate


def correction_record(
    *, region: Region, day: datetime.date, record: str, change: str, reason: str, by
) -> Correction | None:
    """Called by every service that writes a dated row (visit, activity, colour change) before
    it writes. Outside a closed month it does nothing; inside one it needs a reason and records
    the correction, listed on the next open month's ledger. The stored ledger is never touched."""
    close = closed_for(region, day)
    if close is None:
        return None
    if not (reason or "").strip():
        _refuse(
            _("%(month)s is closed for %(region)s: a change dated in it is a correction and needs a reason.")
            % {"month": f"{close.month:%Y-%m}", "region": close.region.name}
        )
    if region.level > Level.TOWNSHIP:
        region = Region.objects.get(code=ancestor_code(region.code, Level.TOWNSHIP))
    return Correction.objects.create(
        region=region,
        month=close.month,
        shown_in=_first_open_month_after(region, close.month),
        record=record[:200],
        change=change,
        reason=reason.strip(),
        by=by if getattr(by, "is_authenticated", False) else None,
    )


def corrections_record(*, places, record: str, change: str, reason: str, by) -> list[Correction]:
    """``correction_record`` once for each closed month of each township a dated row is in or
    leaves. ``places``: (region, day) pairs — where the row is now and where it was (a visit
    moved to another township's child, an activity or training moved to another township or out
    of a closed month changes the month it leaves as well as the one it enters)."""
    touched = {}
    for region, day in places:
        town = region.code if region.level <= Level.TOWNSHIP else ancestor_code(region.code, Level.TOWNSHIP)
        touched.setdefault((town, day.year, day.month), (region, day))
    return [
        correction
        for key in sorted(touched)
        if (
            correction := correction_record(
                region=touched[key][0], day=touched[key][1], record=record, change=change, reason=reason, by=by
            )
        )
    ]


def township_states(user, month: datetime.date) -> list[tuple[Region, MonthClose | None]]:
    """Each township in ``user``'s scope with its state for the month (county scope or below)."""
    scope = user_scope(user)
    if scope is None or scope is ALL or scope.level < Level.COUNTY:
        return []
    towns = list(Region.objects.for_user(user).filter(level=Level.TOWNSHIP).order_by("code"))
    closes = {c.region_id: c for c in MonthClose.objects.filter(region__in=towns, month=first_of(month))}
    return [(town, closes.get(town.pk)) for town in towns]


def dashboard_rows(user, month: datetime.date) -> list[tuple]:
    """The dashboard's state table: (township, its MonthClose or None, may submit, may close)."""
    return [
        # The townships come from for_user: they are in scope without asking once per row.
        (town, close, may_submit(user, town, in_scope=True), may_close(user, town, in_scope=True))
        for town, close in township_states(user, month)
    ]


def closed_figures(user, month: datetime.date):
    """(figures, closed_at) stored for the user's own region's closed month, or None."""
    scope = user_scope(user)
    # A month closes only after its last day: the running month needs no look-up.
    if not isinstance(scope, Region) or first_of(month) >= first_of(timezone.localdate()):
        return None
    close = MonthClose.objects.closed().filter(region=scope, month=first_of(month)).first()
    if close is None or not close.figures:
        return None
    return stored_figures.from_json(close.figures), close.closed_at


def closed_figures_of(user, months: list[datetime.date]) -> dict[datetime.date, object]:
    """``closed_figures`` for several months in one query: {month: figures} of those closed."""
    scope = user_scope(user)
    this_month = first_of(timezone.localdate())
    months = [first_of(m) for m in months if first_of(m) < this_month]
    if not isinstance(scope, Region) or not months:
        return {}
    closes = MonthClose.objects.closed().filter(region=scope, month__in=months)
    return {close.month: stored_figures.from_json(close.figures) for close in closes if close.figures}


def stored_ledger_for(user, month: datetime.date, *, region: Region | None = None) -> ClosedLedger | None:
    """The stored file a download of ``month`` returns: for ``user``'s own region (or ``region``,
    from the command line), when that month is closed. The download is logged like any export."""
    from core.signals import ledger_exported

    place = region
    if place is None and user is not None:
        scope = user_scope(user)
        place = scope if isinstance(scope, Region) else None
    stored = stored_ledger(region=place, month=month, user=user)
    if stored is not None:
        ledger_exported.send(
            sender=ClosedLedger,
            user=user,
            ledger="monthly",
            rows=0,
            filters={"month": f"{month:%Y-%m}", "region": place.code, "stored": stored.sha256[:12]},
        )
    return stored
