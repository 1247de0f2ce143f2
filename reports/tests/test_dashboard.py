import datetime
import re

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import Child
from children.tests.factories import ChildFactory
from regions.models import Region
from regions.tests.factories import staff_user
from reports.tests.test_indicators import add_rows

INDEX = reverse("admin:index")


def get(client, user, **params):
    client.force_login(user)
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return response


def test_the_dashboard_shows_the_months_figures(client, users, casebook):
    response = get(client, users["admin"], month="2025-01")
    d = response.context["dashboard"]
    # Counted independently of the indicators module:
    on_books = [c for c in Child.objects.all() if c.status == "active" or c.exited_on > datetime.date(2025, 1, 31)]
    assert d.children_total == len(on_books) == 6
    assert d.unpaired == 2 and d.overdue == 2
    html = response.content.decode()
    assert "2025年1月" in html


def test_the_unpaired_and_overdue_counts_link_to_the_filtered_list(client, users, casebook):
    html = get(client, users["admin"]).content.decode()
    unpaired = re.search(r'id="dash-unpaired" href="([^"]+)"', html)[1].replace("&amp;", "&")
    overdue = re.search(r'id="dash-overdue" href="([^"]+)"', html)[1].replace("&amp;", "&")
    listed = client.get(unpaired).context["cl"].result_list
    assert {c.name for c in listed} == {c.name for c in Child.objects.unpaired()}
    overdue_list = list(client.get(overdue).context["cl"].result_list)
    assert {c.pk for c in overdue_list} == {c.pk for c in Child.objects.overdue()}
    colours = [c.card_colour for c in overdue_list]
    assert colours == sorted(colours, key=["red", "yellow", "green"].index)  # red first
    assert 'class="dash-red"' in html


def test_a_township_with_no_activity_this_month_is_highlighted(client, users, casebook):
    html = get(client, users["admin"], month="2025-01").content.decode()
    rows = re.findall(r"<tr([^>]*)>\s*<td><a [^>]*>([^<]+)</a>", html)
    flagged = {name for attrs, name in rows if "dash-no-activity" in attrs}
    assert flagged == {"马坊镇"}


def test_a_township_user_sees_only_their_township(client, users, casebook):
    d = get(client, users["town_b"], month="2025-01").context["dashboard"]
    assert [r.name for r in d.townships] == ["大武镇"] and d.children_total == 1


def test_a_bad_month_falls_back_to_this_month_with_a_message(client, users, casebook):
    response = get(client, users["admin"], month="2025-99")
    assert response.context["dashboard"].month == datetime.date.today().replace(day=1)
    assert "YYYY-MM" in response.content.decode()


def dashboard_buttons(html: str) -> dict[str, str]:
    """The dashboard's own buttons (not the menu's links): {text: href}."""
    section = html[html.index('class="dash"') :]
    pattern = r'<a class="dash-button[^"]*" href="([^"]+)">([^<]+)</a>'
    return {text: href for href, text in re.findall(pattern, section)}


def test_the_dashboard_has_the_visit_entry_button_for_those_who_record_visits(client, users, casebook):
    """Issue 11, item 15 (e): the old test found the menu's 走访登记 link when the button was gone."""
    buttons = dashboard_buttons(get(client, users["town_a"]).content.decode())
    assert buttons.get("走访登记（手机版）") == reverse("activities:visit_entry")
    viewer = dashboard_buttons(get(client, users["viewer"]).content.decode())
    assert "走访登记（手机版）" not in viewer


def test_charts_come_from_static_files_not_a_cdn(client, users, casebook):
    html = get(client, users["admin"]).content.decode()
    assert "vendor/chartjs/chart.umd.js" in html
    assert "cdn" not in html.lower()
    assert 'id="dashboard-charts"' in html


def test_the_dashboard_query_count_does_not_grow_with_the_data(client, users, casebook):
    def queries():
        client.force_login(users["admin"])
        client.get(INDEX)  # the session's once-a-minute renewal write happens here
        cache.clear()  # the county's figures are cached: measure computing them
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INDEX, {"month": "2025-01"}).status_code == 200
        return len(ctx)

    few = queries()
    add_rows(casebook["regions"], 30)
    assert queries() == few
    # The month's own (25), the 待办 panel's months awaiting review (1, todo.lists.county_panel),
    # and the 12-month trend's 11 earlier months (test_dashboard_trend.py).
    assert few <= 25 + 1 + 11 * 12


def test_wide_scope_figures_are_shared_for_a_few_minutes_and_a_township_sees_its_own_at_once(client, users, casebook):
    county = get(client, users["admin"])
    before = county.context["dashboard"].children_total
    assert county.context["dashboard_computed_at"] is not None
    assert 'id="dash-computed-at"' in county.content.decode()
    ChildFactory(region=casebook["regions"]["village_a1"])
    # The county's figures come from the cache, with fewer queries and the same numbers…
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(INDEX)
    assert again.context["dashboard"].children_total == before
    # Session, user, profile…, plus two for the month-close table (the townships, their states),
    # one for the 待办 panel's months awaiting review (todo.lists.county_panel), one for its
    # proposals awaiting approval, and the account's role names (regions.accounts.grantable_roles,
    # asked by the side bar's account pages).
    assert len(ctx) <= 7 + 3
    # …while a township's are computed on every visit and show the new child now.
    town = get(client, users["town_a"])
    assert town.context["dashboard_computed_at"] is None
    assert (
        town.context["dashboard"].children_total
        == Child.objects.for_user(users["town_a"]).on_books(datetime.date.today()).count()
    )
    assert 'id="dash-computed-at"' not in town.content.decode()
    # The cache is per region: another county admin account shares it, a viewer of the county too.
    assert get(client, users["viewer"]).context["dashboard"].children_total == before
    cache.clear()
    assert get(client, users["admin"]).context["dashboard"].children_total == before + 1


def test_the_breakdown_is_the_level_below_a_wide_scope(client, users, casebook):
    province = staff_user("province_admin", Region.objects.get(code="140000000000"), "admin")
    response = get(client, province, month="2025-01")
    rows = [row for row, _url in response.context["township_rows"]]
    assert [(r.code, r.name) for r in rows] == [("141100000000", "吕梁市")]
    d = response.context["dashboard"]
    assert rows[0].children == sum(t.children for t in d.townships) == d.children_total
    assert rows[0].overdue == d.overdue and rows[0].paired == d.paired
    assert str(response.context["breakdown_level"]) == "市"
    # A county admin sees its townships, linked to the filtered child list.
    county_rows = get(client, users["admin"], month="2025-01").context["township_rows"]
    assert {row.name for row, _url in county_rows} == {"圪洞镇", "大武镇", "马坊镇"}
    assert all(url and "township=" in url for _row, url in county_rows)


def test_a_superuser_with_a_region_on_the_profile_does_not_share_that_regions_cached_figures(client, users, casebook):
    """``for_user`` gives a superuser every row whatever region the profile names, so the
    dashboard cache must not file those figures under the region (nor serve the region's)."""
    elsewhere = ChildFactory(region=Region.objects.get(code="141100000000"))  # outside the county
    boss = staff_user("boss", users["admin"].staff_profile.region, "admin")
    boss.is_superuser = True
    boss.save()
    everything = get(client, boss).context["dashboard"].children_total
    county = get(client, users["admin"]).context["dashboard"].children_total
    assert county == Child.objects.for_user(users["admin"]).on_books(datetime.date.today()).count()
    assert everything == Child.objects.on_books(datetime.date.today()).count() == county + 1
    cache.clear()
    assert get(client, users["admin"]).context["dashboard"].children_total == county
    assert get(client, boss).context["dashboard"].children_total == everything
    assert elsewhere.pk
