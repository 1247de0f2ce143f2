"""Month close: a township submits, the county closes; a closed month's ledger and figures never change."""

import datetime
import hashlib
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from activities.tests.factories import VisitFactory
from children.tests.factories import ChildFactory
from closing import figures as stored_figures
from closing import services
from closing.models import ClosedLedger, Correction, MonthClose, MonthState
from core.permissions import LEDGER_SHEETS
from reports.indicators import compute
from reports.ledger import write_ledger

D = datetime.date
JAN = D(2025, 1, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def full_ledger() -> ClosedLedger:
    """The stored whole, unmasked ledger (what the command line and county admins get)."""
    return ClosedLedger.objects.get(superseded_at=None, masked=False, sheets="、".join(LEDGER_SHEETS))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(client, user, month="2025-01") -> bytes:
    client.force_login(user)
    response = client.get(reverse("reports_ledger"), {"month": month})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_it_stores_the_ledger_and_every_later_download_is_that_file_byte_for_byte(world, users, client):
    county = world["regions"]["county"]
    close = services.month_close(region=county, month=JAN, by=users["admin"])
    assert close.state == MonthState.CLOSED and close.closed_by == users["admin"]
    stored = full_ledger()
    stored_bytes = stored.file.open("rb").read()
    assert stored.sha256 == sha(stored_bytes)

    # Things change afterwards, also rows dated in January.
    ChildFactory(region=world["regions"]["village_a1"], name="新来的")
    VisitFactory(child=world["a"]["child"], visited_on=D(2025, 1, 20))

    first, second = download(client, users["admin"]), download(client, users["admin"])
    assert sha(first) == sha(second) == stored.sha256
    # A fresh computation would differ: the stored file is not rebuilt.
    fresh = io.BytesIO()
    write_ledger(fresh, month=JAN, region=county)
    assert sha(fresh.getvalue()) != stored.sha256


def test_each_role_gets_the_stored_file_of_its_own_sheets_and_masking(world, users, client):
    county = world["regions"]["county"]
    services.month_close(region=county, month=JAN, by=users["admin"])
    ChildFactory(region=world["regions"]["village_a1"], name="锁定后新增")
    # A viewer: the figures only (汇总), stored at close.
    viewer = download(client, users["viewer"])
    stored = ClosedLedger.objects.get(sha256=sha(viewer))
    assert stored.sheet_list == ["汇总"] and stored.masked
    assert openpyxl.load_workbook(io.BytesIO(viewer)).sheetnames == ["汇总"]
    # The county admin: the whole ledger with full numbers; never the new child.
    admin = download(client, users["admin"])
    assert sha(admin) == full_ledger().sha256
    names = [
        row[1] for row in openpyxl.load_workbook(io.BytesIO(admin))["基础台账"].iter_rows(min_row=3, values_only=True)
    ]
    assert "锁定后新增" not in names and world["a"]["child"].name in names


def test_a_masked_account_never_gets_an_unmasked_stored_file(world, users):
    from regions.tests.factories import staff_user

    county = world["regions"]["county"]
    services.month_close(region=county, month=JAN, by=users["admin"])
    # An account with a role no stored file was made for: the largest file it may have.
    clerk = staff_user("clerk", county, "township")
    stored = services.stored_ledger(region=county, month=JAN, user=clerk)
    assert stored.masked and set(stored.sheet_list) <= {"汇总", "活动台账"}
    data = stored.file.open("rb").read()
    assert world["a"]["child"].id_number.encode() not in data


def test_export_ledger_writes_the_stored_file_for_a_closed_month(world, users, tmp_path):
    county = world["regions"]["county"]
    services.month_close(region=county, month=JAN, by=users["admin"])
    ChildFactory(region=world["regions"]["village_a1"])
    out = tmp_path / "jan.xlsx"
    call_command("export_ledger", month="2025-01", region=county.code, output=str(out), stdout=io.StringIO())
    assert sha(out.read_bytes()) == full_ledger().sha256
    # An open month is computed afresh.
    call_command("export_ledger", month="2025-02", region=county.code, output=str(out), stdout=io.StringIO())
    assert sha(out.read_bytes()) not in set(ClosedLedger.objects.values_list("sha256", flat=True))


def test_the_dashboard_shows_the_figures_stored_at_close(world, users, client):
    county = world["regions"]["county"]
    close = services.month_close(region=county, month=JAN, by=users["admin"])
    assert stored_figures.from_json(close.figures) == compute(month=JAN, region=county)
    close.figures = {**close.figures, "children_total": 999}
    close.save()
    client.force_login(users["admin"])
    response = client.get(reverse("admin:index"), {"month": "2025-01"})
    assert response.context["dashboard"].children_total == 999
    assert response.context["dashboard_closed"] is True
    # February is open: computed as usual.
    response = client.get(reverse("admin:index"), {"month": "2025-02"})
    assert response.context["dashboard"].children_total != 999


def test_figures_survive_the_round_trip_through_json(world, users):
    figures = compute(month=JAN, user=users["admin"])
    assert stored_figures.from_json(stored_figures.to_json(figures)) == figures


def test_a_township_submits_and_the_county_closes_through_the_dashboard(world, users, client):
    town = world["regions"]["town_a"]
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:index"), {"month": "2025-01"})
    assert [(t.code, c, s, k) for t, c, s, k in page.context["month_states"]] == [(town.code, None, True, False)]
    client.post(reverse("closing:month_action", args=["submit"]), {"region": town.code, "month": "2025-01"})
    assert MonthClose.objects.get(region=town, month=JAN).state == MonthState.SUBMITTED
    # The township cannot close it itself.
    client.post(reverse("closing:month_action", args=["close"]), {"region": town.code, "month": "2025-01"})
    assert MonthClose.objects.get(region=town, month=JAN).state == MonthState.SUBMITTED

    client.force_login(users["admin"])
    page = client.get(reverse("admin:index"), {"month": "2025-01"})
    states = {t.code: (c.state if c else None) for t, c, _s, _k in page.context["month_states"]}
    assert states == {town.code: "submitted", world["regions"]["town_b"].code: None}
    assert "已上报" in page.content.decode() and "未上报" in page.content.decode()
    client.post(reverse("closing:month_action", args=["close"]), {"region": town.code, "month": "2025-01"})
    close = MonthClose.objects.get(region=town, month=JAN)
    assert close.state == MonthState.CLOSED and close.closed_by == users["admin"]
    assert "已锁定" in client.get(reverse("admin:index"), {"month": "2025-01"}).content.decode()


def test_a_township_cannot_submit_another_township_and_a_viewer_nothing(world, users, client):
    town_b = world["regions"]["town_b"]
    with pytest.raises(PermissionDenied):
        services.month_submit(region=town_b, month=JAN, by=users["town_a"])
    client.force_login(users["town_a"])
    assert (
        client.post(
            reverse("closing:month_action", args=["submit"]), {"region": town_b.code, "month": "2025-01"}
        ).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.month_close(region=town_b, month=JAN, by=users["viewer"])
    with pytest.raises(PermissionDenied):
        services.month_close(region=town_b, month=JAN, by=users["town_b"])
    assert not MonthClose.objects.exists()


def test_a_month_closes_only_after_its_last_day(world, users):
    today = datetime.date.today()
    with pytest.raises(ValidationError):
        services.month_close(region=world["regions"]["town_a"], month=today.replace(day=1), by=users["admin"])


def test_returning_needs_a_reason_and_the_township_can_submit_again(world, users):
    town = world["regions"]["town_a"]
    services.month_submit(region=town, month=JAN, by=users["town_a"])
    with pytest.raises(ValidationError):
        services.month_return(region=town, month=JAN, by=users["admin"], reason=" ")
    close = services.month_return(region=town, month=JAN, by=users["admin"], reason="走访记录不全")
    assert close.state == MonthState.RETURNED and close.note == "走访记录不全"
    assert services.month_submit(region=town, month=JAN, by=users["town_a"]).state == MonthState.SUBMITTED


def test_reopening_needs_a_county_admin_and_a_reason_and_keeps_the_old_files_and_history(world, users, client):
    town = world["regions"]["town_a"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    first = full_ledger()
    with pytest.raises(PermissionDenied):
        services.month_reopen(region=town, month=JAN, by=users["town_a"], reason="x")
    with pytest.raises(ValidationError):
        services.month_reopen(region=town, month=JAN, by=users["admin"], reason="")
    services.month_reopen(region=town, month=JAN, by=users["admin"], reason="漏报两次走访")
    first.refresh_from_db()
    assert first.superseded_at is not None and first.file.open("rb").read()
    assert services.stored_ledger(region=town, month=JAN) is None
    last = MonthClose.objects.get(region=town).history.order_by("history_date").last()
    assert (last.state, last.history_user, last.history_change_reason) == ("reopened", users["admin"], "漏报两次走访")
    services.month_close(region=town, month=JAN, by=users["admin"])
    current = ClosedLedger.objects.filter(superseded_at__isnull=True).count()
    assert current >= 3 and ClosedLedger.objects.count() == 2 * current


def test_a_change_dated_in_a_closed_month_is_a_correction_listed_on_the_next_ledger(world, users):
    town = world["regions"]["town_a"]
    village = world["regions"]["village_a1"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    stored = services.stored_ledger(region=town, month=JAN).sha256
    with pytest.raises(ValidationError, match="更正"):
        services.correction_record(
            region=village, day=D(2025, 1, 9), record="走访", change="新增", reason="", by=users["town_a"]
        )
    # Outside the closed month, or in another township: nothing to correct.
    assert (
        services.correction_record(region=village, day=D(2025, 2, 3), record="x", change="y", reason="", by=None)
        is None
    )
    assert (
        services.correction_record(
            region=world["regions"]["village_b1"], day=D(2025, 1, 9), record="x", change="y", reason="", by=None
        )
        is None
    )
    correction = services.correction_record(
        region=village,
        day=D(2025, 1, 9),
        record="甲童 2025-01-09 入户走访",
        change="补录走访",
        reason="纸质记录迟交",
        by=users["town_a"],
    )
    assert correction.month == JAN and correction.shown_in == D(2025, 2, 1) and correction.by == users["town_a"]
    assert services.stored_ledger(region=town, month=JAN).sha256 == stored
    feb = io.BytesIO()
    write_ledger(feb, month=D(2025, 2, 1), region=town)
    sheet = openpyxl.load_workbook(io.BytesIO(feb.getvalue()))["更正"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))  # title, unit and date, header
    assert rows[0][1:6] == ("2025-01", town.name, "甲童 2025-01-09 入户走访", "补录走访", "纸质记录迟交")
    # January's own fresh ledger has no 更正 sheet; the sheet appears only where corrections are listed.
    jan = io.BytesIO()
    write_ledger(jan, month=JAN, region=town)
    assert "更正" not in openpyxl.load_workbook(io.BytesIO(jan.getvalue())).sheetnames


def test_a_correction_goes_to_the_first_month_still_open(world, users):
    town = world["regions"]["town_a"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    services.month_close(region=world["regions"]["county"], month=D(2025, 2, 1), by=users["admin"])
    correction = services.correction_record(
        region=world["regions"]["village_a2"], day=D(2025, 1, 30), record="r", change="c", reason="迟交", by=None
    )
    assert correction.shown_in == D(2025, 3, 1)
    assert Correction.objects.for_user(users["town_b"]).count() == 0
    assert Correction.objects.for_user(users["town_a"]).count() == 1


def test_the_commands_close_and_reopen_a_month(world, users):
    town = world["regions"]["town_a"]
    out = io.StringIO()
    call_command("close_month", month="2025-01", region=town.code, user="county_admin", stdout=out)
    assert "2025-01" in out.getvalue()
    assert MonthClose.objects.get(region=town).state == MonthState.CLOSED
    with pytest.raises(CommandError):
        call_command("close_month", month="2025-01", region=town.code, user="county_admin", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("reopen_month", month="2025-01", region=town.code, user="town_a", reason="x", stdout=io.StringIO())
    call_command(
        "reopen_month", month="2025-01", region=town.code, user="county_admin", reason="重新核对", stdout=io.StringIO()
    )
    assert MonthClose.objects.get(region=town).state == MonthState.REOPENED


def test_the_monthly_ledger_job_of_a_closed_month_is_the_stored_file(world, users):
    from reports.jobs import job_start
    from reports.models import JobStatus

    town = world["regions"]["town_a"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    ChildFactory(region=world["regions"]["village_a1"])
    job = job_start(user=users["admin"], kind="monthly_ledger", params={"month": "2025-01", "region": town.code})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    with job.result.open("rb") as handle:
        assert sha(handle.read()) == full_ledger().sha256


def test_a_visit_backdated_into_a_closed_month_needs_a_reason_and_is_a_correction(world, users, client):
    from activities.models import Visit
    from activities.tests.test_visit_entry import post_data

    town = world["regions"]["town_a"]
    child, mother = world["a"]["child"], world["a"]["mother"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    stored = services.stored_ledger(region=town, month=JAN).sha256
    client.force_login(users["town_a"])
    before = Visit.objects.count()
    refused = client.post(
        reverse("activities:visit_entry"), post_data(child, visitors=[mother.pk], visited_on="2025-01-20")
    )
    assert refused.status_code == 200 and "更正原因" in refused.content.decode()
    assert Visit.objects.count() == before and not Correction.objects.exists()
    saved = client.post(
        reverse("activities:visit_entry"),
        post_data(child, visitors=[mother.pk], visited_on="2025-01-20", correction_reason="纸质记录迟交"),
    )
    assert saved.status_code == 302 and Visit.objects.count() == before + 1
    correction = Correction.objects.get()
    assert (correction.month, correction.reason, correction.by) == (JAN, "纸质记录迟交", users["town_a"])
    assert child.name in correction.record and correction.shown_in == D(2025, 2, 1)
    assert services.stored_ledger(region=town, month=JAN).sha256 == stored
    # A visit in an open month is no correction.
    client.post(reverse("activities:visit_entry"), post_data(child, visitors=[mother.pk]))
    assert Correction.objects.count() == 1


def test_a_colour_change_effective_in_a_closed_month_is_a_correction(world, users):
    from children.services import child_change_colour

    town = world["regions"]["town_a"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    child_change_colour(
        child=world["a"]["child"],
        to_colour="red",
        effective_on=D(2025, 1, 15),
        reason="补记监护变化",
        by=users["admin"],
    )
    correction = Correction.objects.get()
    assert correction.month == JAN and correction.reason == "补记监护变化" and "红" in correction.change
    child_change_colour(child=world["a"]["child"], to_colour="yellow", effective_on=D(2025, 2, 3), reason="走访评估")
    assert Correction.objects.count() == 1


def test_an_activity_dated_in_a_closed_month_is_a_correction_in_the_admin_and_the_import(world, users, client):
    from activities.models import Activity
    from activities.services import activity_save

    town = world["regions"]["town_a"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    activity = world["a"]["activity"]
    client.force_login(users["town_a"])
    url = reverse("admin:activities_activity_change", args=[activity.pk])
    page = client.get(url)
    data = {**page.context["adminform"].form.initial}
    data = {k: ("" if v is None else v) for k, v in data.items() if not isinstance(v, list)}
    data.update(
        {
            "held_on": "2025-01-18",
            "children": [c.pk for c in activity.children.all()],
            "volunteers": [v.pk for v in activity.volunteers.all()],
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200 and "更正原因" in refused.content.decode()
    assert not Correction.objects.exists()
    saved = client.post(url, {**data, "correction_reason": "活动照片迟交"})
    assert saved.status_code == 302, saved.content.decode()[:500]
    assert Correction.objects.get().reason == "活动照片迟交"
    # The import path records its own reason.
    new = Activity(title="补录的读书会", held_on=D(2025, 1, 25), region=town, activity_type=activity.activity_type)
    activity_save(activity=new, correction_reason="台账导入", by=users["admin"])
    assert Correction.objects.filter(reason="台账导入", record__startswith="补录的读书会").exists()


def test_a_village_has_no_month_to_close(world, users):
    with pytest.raises(PermissionDenied):
        services.month_close(region=world["regions"]["village_a1"], month=JAN, by=users["admin"])


def test_a_reassessment_in_a_closed_month_carries_the_corrections_reason_and_elsewhere_its_own(world, users):
    from activities.models import VisitMode
    from activities.services import visit_record
    from children.models import CardChange

    town, child = world["regions"]["town_a"], world["a"]["child"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    mode = VisitMode.objects.first()
    visit_record(child=child, visited_on=D(2025, 1, 20), mode=mode, staff_visitors="甲", reassessed_colour="red",
                 correction_reason="补录", by=users["admin"])  # fmt: skip
    assert CardChange.objects.filter(child=child, to_colour="red").get().reason == "补录"
    visit_record(child=child, visited_on=D(2025, 2, 20), mode=mode, staff_visitors="乙", reassessed_colour="yellow",
                 correction_reason="台账导入", by=users["admin"])  # fmt: skip
    assert CardChange.objects.filter(child=child, to_colour="yellow").get().reason == "走访评估"


def test_a_visit_moved_to_another_townships_child_is_a_correction_of_the_month_it_leaves(world, users):
    """Township A's January is closed; moving one of its January visits to township B's child
    (open) takes a visit out of A's stored ledger: a correction of A's January, with a reason."""
    from activities.services import visit_save

    town_a = world["regions"]["town_a"]
    services.month_close(region=town_a, month=JAN, by=users["admin"])
    visit = world["a"]["visit"]
    visit.refresh_from_db()
    assert visit.visited_on.replace(day=1) == JAN, "the fixture's visit is dated in January"
    visit.child = world["b"]["child"]
    mothers = list(visit.visitors.all())
    with pytest.raises(ValidationError, match="更正"):
        visit_save(visit=visit, visitors=mothers, by=users["admin"])
    visit_save(visit=visit, visitors=mothers, correction_reason="记错了儿童", by=users["admin"])
    correction = Correction.objects.get()
    assert (correction.region, correction.month, correction.reason) == (town_a, JAN, "记错了儿童")


def test_a_training_dated_in_a_closed_month_is_a_correction_in_the_admin(world, users, client):
    from volunteers.models import Training

    town = world["regions"]["town_a"]
    services.month_close(region=town, month=JAN, by=users["admin"])
    client.force_login(users["admin"])  # trainings are the county's (township staff view them)
    data = {
        "title": "补录的心理辅导培训",
        "held_on": "2025-01-20",
        "region": town.pk,
        "hours": "2",
        "attendees": [world["a"]["mother"].pk],
    }
    url = reverse("admin:volunteers_training_add")
    refused = client.post(url, data)
    assert refused.status_code == 200 and "更正原因" in refused.content.decode()
    assert not Training.objects.exists() and not Correction.objects.exists()
    saved = client.post(url, {**data, "correction_reason": "签到表迟交"})
    assert saved.status_code == 302, saved.content.decode()[:500]
    training = Training.objects.get()
    assert list(training.attendees.all()) == [world["a"]["mother"]]
    correction = Correction.objects.get()
    assert (correction.region, correction.month, correction.reason) == (town, JAN, "签到表迟交")
    assert correction.record.startswith("补录的心理辅导培训")
    # February is open: a training there is no correction.
    client.post(url, {**data, "title": "二月培训", "held_on": "2025-02-20"})
    assert Training.objects.count() == 2 and Correction.objects.count() == 1


def test_an_activity_moved_to_another_township_is_a_correction_of_the_month_it_leaves(world, users):
    from activities.services import activity_save

    town_a = world["regions"]["town_a"]
    services.month_close(region=town_a, month=JAN, by=users["admin"])
    activity = world["a"]["activity"]
    activity.refresh_from_db()
    assert activity.held_on.replace(day=1) == JAN, "the fixture's activity is dated in January"
    activity.region = world["regions"]["town_b"]
    with pytest.raises(ValidationError, match="更正"):
        activity_save(activity=activity, by=users["admin"])
    activity_save(activity=activity, correction_reason="乡镇填错", by=users["admin"])
    assert Correction.objects.get().region == town_a
