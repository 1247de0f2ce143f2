"""Issue 14, item 5: 强制报告 — the alert, the narrower access, closing with an outcome."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from safeguarding.models import Alert, MandatoryReport, ReportStatus
from safeguarding.services import report_close, report_file

ADD = "admin:safeguarding_mandatoryreport_add"
LIST = "admin:safeguarding_mandatoryreport_changelist"
CHANGE = "admin:safeguarding_mandatoryreport_change"


def seen_at():
    return timezone.localtime() - datetime.timedelta(hours=2)


def add_data(child, **extra):
    when = seen_at()
    data = {
        "child": child.pk,
        "kind": "neglect",
        "observed": "孩子独自在家两天，没有吃饭",
        "observed_at_0": when.date().isoformat(),
        "observed_at_1": when.strftime("%H:%M"),
        "police_reported_on": "",
        "police_unit": "",
        "police_receipt": "",
        "close_outcome": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def report(world, users):
    return report_file(
        child=world["a"]["child"], kind="neglect", observed="孩子独自在家", observed_at=seen_at(), by=users["town_a"]
    )


def test_a_report_filed_in_the_admin_alerts_the_county_admins_of_that_county_at_once(
    client, world, users, colleague, other_county, city_admin
):
    client.force_login(users["town_a"])
    response = client.post(reverse(ADD), add_data(world["a"]["child"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    report = MandatoryReport.objects.get()
    assert report.reported_by == users["town_a"] and report.status == ReportStatus.OPEN
    recipients = set(Alert.objects.filter(report=report).values_list("recipient__username", flat=True))
    # The county's admin and the city's admin above it; nobody else — not another county's admin.
    assert recipients == {"county_admin", "city_admin"}

    client.force_login(users["admin"])
    page = client.get(reverse("admin:children_child_changelist")).content.decode()
    assert "1 条新的强制报告" in page
    client.force_login(other_county["admin"])
    assert "条新的强制报告" not in client.get(reverse("admin:children_child_changelist")).content.decode()


def test_the_alert_badge_costs_one_query_and_goes_once_the_report_is_opened(
    client, users, report, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from safeguarding.alerts import environment_callback

    request = RequestFactory().get("/")
    request.user = users["admin"]
    with django_assert_max_num_queries(1):
        assert environment_callback(request)[1] == "danger"
    with django_assert_max_num_queries(0):  # from the cache on the next pages
        assert environment_callback(request)[1] == "danger"
    client.force_login(users["admin"])
    assert client.get(reverse(CHANGE, args=[report.pk])).status_code == 200
    assert environment_callback(request) is None
    # Opening it was logged in the access log, naming the child.
    event = AccessEvent.objects.get(kind="report", user=users["admin"])
    assert event.child == report.child and event.detail == f"#{report.pk}"


@pytest.mark.parametrize(
    "who,sees",
    [
        ("town_a", True),
        ("admin", True),
        ("city_admin", True),
        ("colleague", False),
        ("viewer", False),
        ("other", False),
    ],
)
def test_only_the_reporter_and_the_county_admins_see_a_report(
    client, world, users, colleague, other_county, city_admin, report, who, sees
):
    user = {"colleague": colleague, "other": other_county["admin"], "city_admin": city_admin}.get(who) or users[who]
    client.force_login(user)
    listed = client.get(reverse(LIST))
    if who == "viewer":
        assert listed.status_code == 403
    else:
        assert (report.pk in {r.pk for r in listed.context["cl"].queryset}) is sees
    searched = client.get(reverse(LIST), {"q": report.child.name})
    if searched.status_code == 200:
        assert (report.pk in {r.pk for r in searched.context["cl"].queryset}) is sees
    change = client.get(reverse(CHANGE, args=[report.pk]))
    assert change.status_code == (200 if sees else (403 if who == "viewer" else 404))
    history = client.get(reverse("admin:safeguarding_mandatoryreport_history", args=[report.pk]))
    assert (history.status_code == 200) is sees
    dashboard = client.get(reverse("admin:index"))
    panel = dashboard.context["dashboard_safeguard"]
    assert panel["open_count"] == (1 if sees else 0)
    assert ("孩子独自在家" in change.content.decode()) is sees
    assert (report.child.name in dashboard.content.decode().split('id="dash-safeguard-title"')[-1]) is (
        sees and dashboard.content.decode().count('id="dash-safeguard"') == 1
    )
    assert MandatoryReport.objects.for_user(user).filter(pk=report.pk).exists() is sees


def test_a_colleague_cannot_change_the_report_by_posting(client, colleague, report):
    client.force_login(colleague)
    response = client.post(reverse(CHANGE, args=[report.pk]), {"observed": "改掉", "kind": "other"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.observed == "孩子独自在家"


def test_closing_needs_an_outcome_in_the_database(report, users):
    report.status = ReportStatus.CLOSED
    report.closed_at = timezone.now()
    report.closed_by = users["admin"]
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save()


def test_closing_needs_an_outcome_through_the_service_and_the_admin(client, report, users):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        report_close(report=report, outcome="  ", by=users["admin"])
    with pytest.raises(PermissionDenied):  # the reporter does not close
        report_close(report=report, outcome="已处理", by=users["town_a"])
    client.force_login(users["admin"])
    data = add_data(report.child, close_outcome="")
    client.post(reverse(CHANGE, args=[report.pk]), data)
    assert MandatoryReport.objects.get(pk=report.pk).status == ReportStatus.OPEN
    client.post(reverse(CHANGE, args=[report.pk]), {**data, "close_outcome": "已送祖母家临时照护，村委会跟进"})
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.closed_by == users["admin"]
    assert report.outcome == "已送祖母家临时照护，村委会跟进"
    # Closed: off the dashboard.
    assert client.get(reverse("admin:index")).context["dashboard_safeguard"]["open_count"] == 0


def test_suspected_harm_is_closed_only_after_the_police_report(client, world, users):
    report = report_file(
        child=world["a"]["child"], kind="harmed", observed="身上有伤", observed_at=seen_at(), by=users["town_a"]
    )
    client.force_login(users["admin"])
    data = add_data(report.child, kind="harmed", close_outcome="已处理")
    response = client.post(reverse(CHANGE, args=[report.pk]), data)
    assert response.status_code == 200
    assert "向公安机关报案" in response.content.decode()
    assert MandatoryReport.objects.get(pk=report.pk).status == ReportStatus.OPEN
    data.update(police_reported_on="2025-03-01", police_unit="方山县公安局圪洞派出所", police_receipt="J2025-001")
    client.post(reverse(CHANGE, args=[report.pk]), data)
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.police_receipt == "J2025-001"


def test_a_report_on_another_townships_child_is_refused(client, world, users):
    client.force_login(users["town_a"])
    response = client.post(reverse(ADD), add_data(world["b"]["child"]))
    assert response.status_code == 200
    assert not MandatoryReport.objects.exists()


def test_the_report_list_is_a_fixed_number_of_queries(client, world, users, django_assert_max_num_queries):
    for _ in range(5):
        report_file(child=world["a"]["child"], kind="other", observed="x", observed_at=seen_at(), by=users["town_a"])
    client.force_login(users["admin"])
    client.get(reverse(LIST))
    with django_assert_max_num_queries(14):
        assert client.get(reverse(LIST)).status_code == 200


def test_the_dashboard_forgets_a_closed_report_at_once(client, users, report, django_capture_on_commit_callbacks):
    client.force_login(users["admin"])
    assert client.get(reverse("admin:index")).context["dashboard_safeguard"]["open_count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        report_close(report=report, outcome="已妥善安置", by=users["admin"])
    assert client.get(reverse("admin:index")).context["dashboard_safeguard"]["open_count"] == 0
