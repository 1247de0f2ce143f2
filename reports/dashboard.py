"""The admin index dashboard: the user's scope, one month, figures from ``indicators``."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from children.filters import PairingStatusFilter, VisitStatusFilter
from children.models import CardColour
from core.admin import TownshipFilter

from .indicators import compute, parse_month

CHART_COLOURS = {CardColour.RED: "#dc2626", CardColour.YELLOW: "#eab308", CardColour.GREEN: "#16a34a"}


def child_list_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('admin:children_child_changelist')}?{query}"


def dashboard_callback(request, context):
    """unfold's DASHBOARD_CALLBACK: add the month's indicators for the user's scope."""
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError as error:
        messages.warning(request, str(error))
        month = parse_month(None)
    figures = compute(month=month, user=request.user)
    context.update(
        {
            "dashboard": figures,
            "dashboard_links": {
                "unpaired": child_list_url(**{PairingStatusFilter.parameter_name: PairingStatusFilter.UNPAIRED}),
                "overdue": child_list_url(**{VisitStatusFilter.parameter_name: VisitStatusFilter.OVERDUE}),
                "ledger": f"{reverse('reports_ledger')}?month={month:%Y-%m}",
            },
            "township_rows": [
                (row, child_list_url(**{TownshipFilter.parameter_name: row.code})) for row in figures.townships
            ],
            "dashboard_charts": _charts(figures),
            "dashboard_month_value": f"{month:%Y-%m}",
        }
    )
    return context


def _charts(figures) -> dict:
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
            "labels": [row.name for row in figures.townships],
            "paired": [row.paired_pct for row in figures.townships],
            "activities": [row.activities for row in figures.townships],
            "paired_label": str(_("Paired (%)")),
            "activities_label": str(_("Activities this month")),
        },
    }
