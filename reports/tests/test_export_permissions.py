"""Issue 11, item 7: every export path asks core.permissions.may_export, for each role.

A viewer got 358 children with names, addresses and guardians from the dashboard's ledger and
from the monthly and visit ledger jobs. Here a viewer, a township user and a county admin try
every path; forbidden ones answer 403 or a refusal and leave no file behind, and the viewer's
monthly ledger holds 汇总 only, with no child's name anywhere in it.
"""

import io
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from children.models import Child
from core.permissions import LEDGER_SHEETS, MONTHLY_LEDGER, VISIT_LEDGER, may_export, may_import
from reports.jobs import JobInputError, job_start
from reports.models import Job, JobStatus

pytestmark = pytest.mark.security

ALL_SHEETS = list(LEDGER_SHEETS)
GRANTED = {
    "viewer": ["汇总"],
    "town_a": ["汇总", "活动台账"],
    "admin": ALL_SHEETS,
}


def _cells(data: bytes) -> tuple[list[str], str]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    text = " ".join(
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row if value
    )
    return book.sheetnames, text


def _personal_strings() -> set[str]:
    """Every child's name, address and guardian, as a leak would show them."""
    out = set()
    for name, address, guardian in Child.objects.values_list("name", "address", "guardian_name"):
        out |= {s for s in (name, address, guardian) if s and len(s) >= 2}
    return out


def _job_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "jobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_rule_as_a_table(users):
    assert {role: list(may_export(users[role], MONTHLY_LEDGER)) for role in GRANTED} == GRANTED
    assert [bool(may_export(users[r], VISIT_LEDGER)) for r in ("viewer", "town_a", "admin")] == [False, True, True]
    exports = {
        role: [
            label
            for label in ("children.child", "pairing.pairing", "activities.visit")
            if may_export(users[role], label)
        ]
        for role in GRANTED
    }
    assert exports == {
        "viewer": [],
        "town_a": ["activities.visit"],
        "admin": ["children.child", "pairing.pairing", "activities.visit"],
    }
    root = User.objects.create_superuser("root", "root@example.com", None)
    assert may_export(root, "a_kind_nobody_listed") == ()
    assert may_export(None, MONTHLY_LEDGER) == ()
    assert [may_import(users[r], "children.child") for r in ("viewer", "town_a", "admin")] == [False, False, True]
    assert may_import(users["town_a"], "activities.visit")


@pytest.mark.parametrize("role", list(GRANTED))
def test_the_dashboards_ledger_has_only_the_granted_sheets(client, casebook, users, role):
    client.force_login(users[role])
    response = client.get(reverse("reports_ledger"), {"month": "2025-01"})
    assert response.status_code == 200
    sheets, text = _cells(b"".join(response.streaming_content))
    assert sheets == GRANTED[role]
    if role != "admin":
        assert not {s for s in _personal_strings() if s in text}
    else:
        assert "甲童" in text


def test_the_dashboards_ledger_is_refused_without_any_sheet(client, casebook, regions):
    outsider = User.objects.create_user("outsider", is_staff=True)
    client.force_login(outsider)
    assert client.get(reverse("reports_ledger"), {"month": "2025-01"}).status_code == 403


@pytest.mark.parametrize("role", list(GRANTED))
def test_the_monthly_ledger_job_writes_only_the_granted_sheets(client, casebook, users, role):
    client.force_login(users[role])
    response = client.post(reverse("admin:reports_job_start", args=[MONTHLY_LEDGER]), {"month": "2025-01"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    download = client.get(reverse("reports:job_file", args=[job.pk]))
    assert download.status_code == 200
    sheets, text = _cells(b"".join(download.streaming_content))
    assert sheets == GRANTED[role]
    if role != "admin":
        assert not {s for s in _personal_strings() if s in text}


def test_the_visit_ledger_job_is_refused_to_a_viewer_on_every_way_in(client, casebook, users, settings):
    viewer = users["viewer"]
    client.force_login(viewer)
    url = reverse("admin:reports_job_start", args=[VISIT_LEDGER])
    assert client.get(url).status_code == 403
    assert client.post(url, {"month": "2025-01"}).status_code == 403
    with pytest.raises(JobInputError):
        job_start(user=viewer, kind=VISIT_LEDGER, params={"month": "2025-01"})
    start_links = client.get(reverse("admin:reports_job_changelist")).context["job_kinds"]
    assert VISIT_LEDGER not in {kind.name for kind in start_links}
    assert not Job.objects.exists() and not _job_files(settings)


@pytest.mark.parametrize("role", ["town_a", "admin"])
def test_the_visit_ledger_job_runs_for_township_and_county(casebook, users, role):
    job = job_start(user=users[role], kind=VISIT_LEDGER, params={"month": "2025-01"})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result


def test_a_job_queued_before_the_role_was_taken_away_is_refused_when_it_runs(casebook, users, settings):
    admin = users["admin"]
    job = Job.objects.create(user=admin, kind=VISIT_LEDGER, params={"month": "2025-01"})
    _demote(admin)
    from reports.jobs import run_job

    run_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result
    assert not _job_files(settings)


def _demote(user):
    user.groups.clear()
    user.groups.add(Group.objects.get(name="viewer"))
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def test_a_file_is_not_handed_out_once_its_owner_may_no_longer_export_it(client, casebook, users):
    admin = users["admin"]
    ledger = job_start(user=admin, kind=MONTHLY_LEDGER, params={"month": "2025-01"})
    visits = job_start(user=admin, kind=VISIT_LEDGER, params={"month": "2025-01"})
    _demote(admin)
    client.force_login(admin)
    for job in (ledger, visits):
        assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 403


def test_a_monthly_ledger_written_before_sheets_were_recorded_counts_as_complete(client, casebook, users):
    viewer = users["viewer"]
    job = Job.objects.create(user=viewer, kind=MONTHLY_LEDGER, status=JobStatus.DONE, report={"children": 3})
    job.result.save("old.xlsx", ContentFile(b"PK old ledger with every sheet"), save=True)
    client.force_login(viewer)
    assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 403


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("viewer", set()),
        ("town_a", {"activities_visit", "activities_activity"}),
        (
            "admin",
            {"children_child", "volunteers_volunteer", "pairing_pairing", "activities_visit", "activities_activity"},
        ),
    ],
)
def test_the_admins_export_buttons_follow_the_rule(client, world, users, role, allowed):
    client.force_login(users[role])
    for name in (
        "children_child",
        "volunteers_volunteer",
        "pairing_pairing",
        "activities_visit",
        "activities_activity",
    ):
        response = client.post(reverse(f"admin:{name}_export"), {"format": "0", "resource": "0"})
        if name in allowed:
            assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        else:
            assert response.status_code == 403, name
            # The selected-rows action is not offered either, and posting it sends no file.
            changelist = reverse(f"admin:{name}_changelist")
            posted = client.post(changelist, {"action": "export_admin_action", "_selected_action": ["1"]})
            assert not posted.get("Content-Type", "").startswith("application/vnd.openxml"), name


def test_export_ledger_as_a_viewer_writes_only_the_summary(casebook, users, tmp_path):
    target = tmp_path / "viewer.xlsx"
    call_command("export_ledger", "--month", "2025-01", "--user", "viewer", "-o", str(target), stdout=io.StringIO())
    sheets, text = _cells(target.read_bytes())
    assert sheets == ["汇总"]
    assert not {s for s in _personal_strings() if s in text}


def test_export_ledger_refuses_an_account_without_any_sheet(casebook, tmp_path):
    User.objects.create_user("outsider", is_staff=True)
    target = tmp_path / "outsider.xlsx"
    with pytest.raises(CommandError):
        call_command("export_ledger", "--month", "2025-01", "--user", "outsider", "-o", str(target))
    assert not target.exists()


def test_import_ledger_refuses_a_viewer_and_writes_nothing(casebook, users, tmp_path):
    source = tmp_path / "children.csv"
    source.write_text("姓名,身份证号码,村（社区）\n新童,141128201503021234,武当社区\n", encoding="utf-8")
    before = Child.objects.count()
    with pytest.raises(CommandError):
        call_command("import_ledger", "--kind", "children", "--user", "viewer", str(source))
    assert Child.objects.count() == before


def test_the_admin_export_asks_may_export_first(client, world, users, monkeypatch):
    """The admin's own permission check agrees today; the rule is may_export's, not a copy."""
    client.force_login(users["admin"])
    monkeypatch.setattr("core.ledger_admin.may_export", lambda user, what: ())
    response = client.post(reverse("admin:children_child_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 403
