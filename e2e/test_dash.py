"""Issue 13, items 5, 17, 18 in the browser: the county admin's dashboard on the demo county.

The labels say which figure is the month's and which the year's, the pairing modes sit under
已结对, the 到龄 count opens the filtered children list, and the 12-month trend is drawn from the
same figures as its table. With ``SAVE_DOCS_SCREENSHOTS=1`` the run also refreshes
docs/screenshots/dashboard.png and dashboard-trend.png (1366×768).
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SCREEN = {"width": 1366, "height": 768}


def save_docs(page, name: str) -> None:
    """Write a documentation screenshot only when asked to: the suite never rewrites committed files."""
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name))


@pytest.fixture
def demo(live):
    """The demo county (吕梁市离石区, seed_demo's default scale) and its accounts."""
    from core.demo import SCALES, Generator

    Generator(SCALES["demo"], seed=2025).run()


def test_the_county_admin_reads_the_trend_and_finds_the_children_past_the_age_limit(demo, open_context, shot):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from children.models import Child

    page = open_context(viewport=SCREEN).new_page()
    login(page, "lishi_admin", "Demo-2025-aixin")
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    page.goto(f"/admin/?month={last_month:%Y-%m}")

    # Item 5: the pairing modes under 已结对; 本月 / 本年 beside each number of a pair.
    expect(page.locator("#dash-paired")).to_contain_text("一对一")
    expect(page.locator("#dash-unpaired")).not_to_contain_text("一对一")
    trainings = page.locator("#dash-trainings")
    expect(trainings).to_contain_text(re.compile(r"本月\s*\d+"))
    expect(trainings).to_contain_text(re.compile(r"参训人次：本月 \d+ · 本年 \d+"))

    # Item 18: twelve months ending at the month shown, drawn by Chart.js from the page's figures.
    trend = page.locator("#dash-trend")
    expect(trend).to_contain_text("近 12 个月趋势")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-trend'))")
    labels = page.evaluate("() => Chart.getChart(document.getElementById('chart-trend')).data.labels")
    assert len(labels) == 12 and labels[-1] == f"{last_month.year}年{last_month.month}月"
    drawn = page.evaluate("() => Chart.getChart(document.getElementById('chart-trend')).data.datasets.map(d => d.data)")
    trend.get_by_text("查看各月数字").click()
    rows = trend.locator("#dash-trend-table tbody tr")
    expect(rows).to_have_count(12)
    last = rows.nth(11).locator("td").all_inner_texts()
    assert last[0] == labels[-1]
    # children, visits, overdue, activities, paired % in the chart; the table's columns in its order
    assert [float(series[-1]) for series in drawn] == [float(last[i]) for i in (1, 3, 4, 5, 2)]
    page.wait_for_timeout(1200)  # Chart.js's drawing animation
    trend.get_by_text("查看各月数字").click()  # fold the table again for the pictures
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    shot(page, "dashboard-top", full_page=False)
    save_docs(page, "dashboard.png")
    page.evaluate(
        "() => window.scrollTo(0, document.querySelector('.dash-cards').getBoundingClientRect().top + scrollY - 16)"
    )
    page.wait_for_timeout(300)
    shot(page, "dashboard-trend", full_page=False)
    save_docs(page, "dashboard-trend.png")

    # Item 17: the 到龄 count opens the children list filtered to exactly those children.
    age = page.locator("#dash-age-limit")
    count = int(age.locator("strong").inner_text())
    age.click()
    expect(page).to_have_url(re.compile(r"age_limit=past"))
    admin = User.objects.get(username="lishi_admin")
    expected = Child.objects.for_user(admin).active().past_age_limit()
    assert count == expected.count() > 0  # the demo has children of 3 to 17: some 留守 are past 16
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(count)
    for child in expected:
        expect(page.locator("#result_list")).to_contain_text(child.name)
    shot(page, "children-past-age-limit")
