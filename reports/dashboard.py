"""The admin index dashboard: the user's scope, one month, figures from ``indicators``.

A township's month is computed live (``indicators.compute``: a few hundred children). A county,
a city, the province or a superuser reads the stored per-township figures (``reports.summary``,
refreshed by the worker's timer every few minutes, and says when they were refreshed); so does
every scope's 12-month trend. A month that is not stored (older than the months kept, or before
the first refresh) is computed live as before. Either way the result is shared through the cache,
which in production is the database's (settings.CACHES), so every app server process shares it.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.figures import dashboard_counts as casework_counts
from children.filters import AgeLimitFilter, PairingStatusFilter, VisitStatusFilter
from children.models import CardColour, Child
from core.admin import TownshipFilter
from regions.models import Level, Region, ancestor_code
from regions.scoping import scope_key, user_scope
from safeguarding.panels import dashboard_safeguard
from todo.lists import county_panel

from . import summary
from .indicators import Indicators, TownshipRow, compute, parse_month
from .replica import replica_for_wide_scopes
from .summary import add_months

CHART_COLOURS = {CardColour.RED: "#dc2626", CardColour.YELLOW: "#eab308", CardColour.GREEN: "#16a34a"}
#: The trend chart: this many months, ending at the month shown.
TREND_MONTHS = 12


def child_list_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('admin:children_child_changelist')}?{query}"


@replica_for_wide_scopes
def dashboard_callback(request, context):
    """unfold's DASHBOARD_CALLBACK: add the month's indicators for the user's scope."""
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError as error:
        messages.warning(request, str(error))
        month = parse_month(None)
    from closing.services import closed_figures, dashboard_rows

    closed = closed_figures(request.user, month)
    figures, computed_at = (closed[0], None) if closed else figures_for(request.user, month)
    level, rows = breakdown(request.user, figures)
    trend, trend_computed_at = trend_for(request.user, month, figures)
    township_rows = [
        (row, child_list_url(**{TownshipFilter.parameter_name: row.code}) if level == Level.TOWNSHIP else None)
        for row in rows
    ]
    safeguard = dashboard_safeguard(request.user)
    context.update(
        {
            "dashboard": figures,
            "dashboard_computed_at": computed_at,
            "dashboard_cache_minutes": max(1, round(settings.DASHBOARD_CACHE_SECONDS / 60)),
            "dashboard_links": {
                "unpaired": child_list_url(**{PairingStatusFilter.parameter_name: PairingStatusFilter.UNPAIRED}),
                "overdue": child_list_url(**{VisitStatusFilter.parameter_name: VisitStatusFilter.OVERDUE}),
                "age_limit": child_list_url(**{AgeLimitFilter.parameter_name: AgeLimitFilter.PAST}),
                "age_limit_soon": child_list_url(**{AgeLimitFilter.parameter_name: AgeLimitFilter.SOON}),
                # The month comes from the picker's form (a GET form replaces the action's query).
                "ledger": reverse("reports_ledger"),
            },
            "breakdown_level": Level(level).label,
            "township_rows": township_rows,
            "dashboard_age_limit": age_limit_counts(request.user),
            "dashboard_trend": trend,
            "dashboard_trend_computed_at": trend_computed_at,
            "dashboard_charts": {**_charts(figures, rows), "trend": _trend_chart(trend)},
            "dashboard_month_value": f"{month:%Y-%m}",
            "dashboard_closed": closed is not None,
            "month_states": dashboard_rows(request.user, month),
            "dashboard_safeguard": safeguard,
            "todo_panel": county_panel(
                request.user, township_rows=township_rows, level=Level(level).label, safeguard=safeguard
            ),
            **casework_counts(request.user),
        }
    )
    return context


def figures_for(user, month):
    """The month's indicators for the user's scope, and when they were computed.

    A township's figures are computed on every visit (a few hundred children, well under the
    300 ms budget), so staff see a visit they just entered. A county, city or the province
    spans up to 100,000 children: their figures are the stored ones (``summary``), as of their
    last refresh, else computed; either is shared by everyone with that scope through the cache
    for ``DASHBOARD_CACHE_SECONDS`` (5 minutes), and the page says as of when. Keyed by
    ``scope_key`` (the rows ``for_user`` gives: a superuser's are all rows, whatever region the
    profile names), month and day.
    """
    if not _wide(user):
        return compute(month=month, user=user), None
    key = f"dashboard:{scope_key(user)}:{month:%Y-%m}:{timezone.localdate():%Y%m%d}"
    cached = cache.get(key)
    if cached is None:
        cached = summary.stored_indicators(user, month) or (compute(month=month, user=user), timezone.now())
        cache.set(key, cached, settings.DASHBOARD_CACHE_SECONDS)
    return cached


def _wide(user) -> bool:
    """Figures of a county or wider are shared through the cache (see ``figures_for``)."""
    scope = user_scope(user)
    return not (isinstance(scope, Region) and scope.level >= Level.TOWNSHIP)


def age_limit_counts(user) -> dict[str, int]:
    """Children on the books who have reached their age limit, or reach it within 60 days, as
    the children list's 到龄 filter lists them (counted today, whatever month is shown)."""
    key = f"dashboard-age:{scope_key(user)}:{timezone.localdate():%Y%m%d}"
    counts = cache.get(key) if _wide(user) else None
    if counts is None:
        children = Child.objects.for_user(user).active()
        counts = {
            "past": children.past_age_limit().count(),
            "soon": children.reaching_age_limit(within_days=AgeLimitFilter.SOON_DAYS).count(),
        }
        if _wide(user):
            cache.set(key, counts, settings.DASHBOARD_CACHE_SECONDS)
    return counts


def trend_point(figures: Indicators) -> dict:
    """The trend's figures for one month, read from that month's indicators."""
    return {
        "month": f"{figures.month:%Y-%m}",
        "label": figures.month_label,
        "children": figures.children_total,
        "paired_pct": figures.paired_pct,
        "visits": figures.visits,
        "overdue": figures.overdue,
        "activities": figures.activities.month,
    }


def trend_for(user, month: datetime.date, figures: Indicators) -> tuple[list[dict], datetime.datetime]:
    """The last ``TREND_MONTHS`` months ending at ``month``, each from the same indicators the
    dashboard shows for that month alone: a closed month's stored figures, else the stored
    per-township figures (``summary``, two queries for all months), else ``compute``.

    The month shown is the page's own ``figures``. The months before it are as of their last
    day and change only by late entries, so for every scope they are shared through the cache
    under ``scope_key`` for ``DASHBOARD_TREND_CACHE_SECONDS`` (one hour), and the chart says as
    of when (the oldest refresh among them).
    """
    from closing.services import closed_figures_of

    key = f"dashboard-trend:{scope_key(user)}:{month:%Y-%m}:{timezone.localdate():%Y%m%d}"
    cached = cache.get(key)
    if cached is None:
        months = [add_months(month, -n) for n in range(TREND_MONTHS - 1, 0, -1)]
        closed = closed_figures_of(user, months)
        stored, computed_at = summary.stored_trend(user, [m for m in months if m not in closed])
        earlier = []
        for past in months:
            if past in closed:
                earlier.append(trend_point(closed[past]))
            elif past in stored:
                earlier.append(stored[past])
            else:
                earlier.append(trend_point(compute(month=past, user=user)))
                computed_at = timezone.now() if computed_at is None else computed_at
        cached = (earlier, computed_at or timezone.now())
        cache.set(key, cached, settings.DASHBOARD_TREND_CACHE_SECONDS)
    earlier, computed_at = cached
    return [*earlier, trend_point(figures)], computed_at


def breakdown(user, figures) -> tuple[Level, list[TownshipRow]]:
    """The township table rolled up to the level below the user's scope: a province sees its
    cities, a city its counties, a county (or a township) its townships — not 1,300 rows."""
    scope = user_scope(user)
    home = scope if isinstance(scope, Region) else None
    above_county = home is None or home.level < Level.COUNTY
    level = Level((home.level if home else Level.PROVINCE) + 1) if above_county else Level.TOWNSHIP
    if level == Level.TOWNSHIP:
        return level, figures.townships
    names = dict(Region.objects.for_user(user).filter(level=level).values_list("code", "name"))
    rows: dict[str, TownshipRow] = {}
    for town in figures.townships:
        code = ancestor_code(town.code, level)
        row = rows.setdefault(code, TownshipRow(code=code, name=names.get(code, code)))
        row.children += town.children
        row.paired += town.paired
        row.overdue += town.overdue
        row.activities += town.activities
    return level, sorted(rows.values(), key=lambda r: r.code)


def _charts(figures, rows) -> dict:
    colours = list(CardColour.values)
    return {
        "colours": {
            "labels": [str(CardColour(c).label) for c in colours],
            "data": [figures.children_by_colour.get(c, 0) for c in colours],
            "backgroundColor": [CHART_COLOURS[c] for c in colours],
        },
        "categories": {
            "labels": [name for name, _n in figures.children_by_category],
            "data": [n for _name, n in figures.children_by_category],
            "label": str(_("Children in the programme")),
        },
        "sectors": {
            "labels": [name for name, _n in figures.mothers_by_sector],
            "data": [n for _name, n in figures.mothers_by_sector],
            "label": str(_("Caring mothers")),
        },
        "townships": {
            "labels": [row.name for row in rows],
            "paired": [row.paired_pct for row in rows],
            "activities": [row.activities for row in rows],
            "paired_label": str(_("Paired (%)")),
            "activities_label": str(_("Activities this month")),
        },
    }


def _trend_chart(trend: list[dict]) -> dict:
    return {
        "labels": [point["label"] for point in trend],
        "series": [
            {"key": key, "label": str(label), "data": [point[key] for point in trend], "color": colour}
            for key, label, colour in [
                ("children", _("Children in the programme"), "#7c3aed"),
                ("visits", _("Visits in the month"), "#2563eb"),
                ("overdue", _("Overdue for a visit"), "#dc2626"),
                ("activities", _("Activities"), "#d97706"),
                ("paired_pct", _("Paired (%)"), "#16a34a"),
            ]
        ],
    }
