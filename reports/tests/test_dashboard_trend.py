"""Issue 13: the dashboard's labels (item 5) and its 12-month trend (item 18)."""

import datetime
import json
import re

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.tests.factories import VisitFactory
from closing import services as closing
from reports.dashboard import TREND_MONTHS, add_months
from reports.indicators import compute
from reports.tests.test_indicators import add_rows

D = datetime.date
INDEX = reverse("admin:index")


def get(client, user, **params):
    client.force_login(user)
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return response


def card(html: str, card_id: str) -> str:
    """The text of one dashboard card, tags removed."""
    match = re.search(rf'<(a|div) class="dash-card[^"]*" id="{card_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, card_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[2])).strip()


# --- item 5: labels ---------------------------------------------------------------------------


def test_the_pairing_modes_sit_under_the_paired_children_not_the_unpaired(client, users, casebook):
    response = get(client, users["admin"], month="2025-01")
    d, html = response.context["dashboard"], response.content.decode()
    assert card(html, "dash-paired") == f"已结对儿童 {d.paired} 一对一 {d.one_to_one} · 多对一 {d.many_to_one}"
    unpaired = card(html, "dash-unpaired")
    assert unpaired.startswith(f"未结对儿童 {d.unpaired}")
    assert "一对一" not in unpaired and "多对一" not in unpaired


def test_each_month_and_year_figure_says_which_it_is(client, users, casebook):
    response = get(client, users["admin"], month="2025-01")
    d, html = response.context["dashboard"], response.content.decode()
    assert card(html, "dash-activities") == f"关爱活动 本月 {d.activities.month} 本年 {d.activities.ytd}"
    assert card(html, "dash-person-times") == f"参与人次 本月 {d.person_times.month} 本年 {d.person_times.ytd}"
    goods = card(html, "dash-goods")
    assert goods.startswith("物资折价（元） 本月 ") and " 本年 " in goods
    assert card(html, "dash-trainings") == (
        f"赋能培训 本月 {d.trainings.month} 本年 {d.trainings.ytd} · "
        f"参训人次：本月 {d.training_attendance.month} · 本年 {d.training_attendance.ytd}"
    )
    assert re.search(r"\d+ / \d+", html[html.index('class="dash-cards"') : html.index('id="dash-trend"')]) is None


# --- item 18: the trend -----------------------------------------------------------------------


def trend_figures(point) -> tuple:
    return (point["children"], point["paired_pct"], point["visits"], point["overdue"], point["activities"])


def indicator_figures(d) -> tuple:
    return (d.children_total, d.paired_pct, d.visits, d.overdue, d.activities.month)


def test_the_trend_is_the_twelve_months_to_the_month_shown_each_the_months_own_indicators(client, users, casebook):
    response = get(client, users["admin"], month="2025-01")
    trend = response.context["dashboard_trend"]
    assert [p["month"] for p in trend] == [f"{add_months(D(2025, 1, 1), n - 11):%Y-%m}" for n in range(12)]
    assert len(trend) == TREND_MONTHS == 12
    assert trend_figures(trend[-1]) == indicator_figures(response.context["dashboard"])
    for point in trend:
        month = D(*map(int, point["month"].split("-")), 1)
        assert trend_figures(point) == indicator_figures(compute(month=month, user=users["admin"])), point
    # What the dashboard shows for December alone is December's point.
    december = get(client, users["admin"], month="2024-12").context["dashboard"]
    assert trend_figures(trend[-2]) == indicator_figures(december)
    assert december.visits and december.children_total  # the casebook has figures there to compare
    # The chart draws the same numbers, from the page's embedded JSON.
    html = response.content.decode()
    charts = json.loads(
        re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    series = {s["key"]: s["data"] for s in charts["trend"]["series"]}
    assert series["visits"] == [p["visits"] for p in trend] and series["paired_pct"] == [p["paired_pct"] for p in trend]
    assert charts["trend"]["labels"][-1] == "2025年1月"
    rows = re.findall(r'<tr data-month="(\d{4}-\d\d)">', html)
    assert rows == [p["month"] for p in trend]


def test_a_closed_month_in_the_trend_is_its_stored_figures_as_on_the_dashboard(client, users, casebook):
    county = casebook["regions"]["county"]
    close = closing.month_close(region=county, month=D(2024, 12, 1), by=users["admin"])
    close.figures = {**close.figures, "visits": 777}
    close.save()
    trend = get(client, users["admin"], month="2025-01").context["dashboard_trend"]
    assert trend[-2]["visits"] == 777 == get(client, users["admin"], month="2024-12").context["dashboard"].visits


def test_the_trend_costs_a_bounded_number_of_queries_that_does_not_grow_and_is_cached(client, users, casebook):
    def cold():
        client.force_login(users["admin"])
        client.get(INDEX)  # the session's once-a-minute renewal write happens here
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INDEX, {"month": "2025-01"}).status_code == 200
        return len(ctx)

    few = cold()
    add_rows(casebook["regions"], 30)
    assert cold() == few
    # The month (~12 queries) and the page's own (~13), the 待办 panel's months awaiting review
    # (1, todo.lists.county_panel), and 11 earlier months of ~12 each (their indicators and whether
    # each month is closed).
    assert few <= 25 + 1 + (TREND_MONTHS - 1) * 12
    with CaptureQueriesContext(connection) as ctx:
        client.get(INDEX, {"month": "2025-01"})
    # All cached: session, user, profile…, is January closed, the month-close table; and the
    # 待办 panel's months awaiting review (1) and proposals awaiting approval (1), counted afresh;
    # the account's role names (1, regions.accounts.grantable_roles).
    assert len(ctx) <= 8 + 3


def test_a_township_sees_this_months_visit_in_the_trend_at_once(client, users, casebook):
    town = users["town_a"]
    before = get(client, town).context["dashboard_trend"]
    VisitFactory(child=casebook["a"]["child"], visited_on=timezone.localdate())
    after = get(client, town).context["dashboard_trend"]
    assert after[-1]["visits"] == before[-1]["visits"] + 1
    assert after[:-1] == before[:-1]  # the earlier months come from the cache
