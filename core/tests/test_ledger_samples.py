"""The sample ledgers import, in order, to exactly what expected.json says — by command and by admin."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.urls import reverse

from activities.models import Activity, Visit
from children.models import CardChange, Child
from pairing.models import Pairing, PairingMember
from volunteers.models import Volunteer, VolunteerTeam

from .ledger_helpers import EXPECTED, ORDER, county_admin, load_sample_regions, sample

COLOUR = {"red": "red", "yellow": "yellow", "green": "green"}


def run(kind, name, user, *extra):
    out = io.StringIO()
    code = 0
    try:
        call_command("import_ledger", "--kind", kind, "--user", user.username, *extra, str(sample(name)), stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def assert_expected_database():
    assert sorted(Child.objects.values_list("id_number", flat=True)) == sorted(EXPECTED["children_ids"])
    for child in Child.objects.all():
        assert child.gender == {"男": "M", "女": "F"}[EXPECTED["children_gender"][child.id_number]]
        assert child.birth_date.isoformat() == EXPECTED["children_birth"][child.id_number]
    assert Volunteer.objects.count() == EXPECTED["volunteers_valid"]
    assert sorted(VolunteerTeam.objects.values_list("name", flat=True)) == sorted(EXPECTED["teams"])
    assert Pairing.objects.count() == EXPECTED["pairings_children"]
    assert PairingMember.objects.count() == EXPECTED["pairings_members"]
    many = Pairing.objects.annotate(n=Count("members")).filter(n__gt=1).count()
    assert many == EXPECTED["pairings_many_to_one"]
    assert Visit.objects.count() == EXPECTED["visits_valid"]
    assert Activity.objects.count() == EXPECTED["activities_valid"]
    assert Activity.objects.aggregate(total=Sum("goods_value"))["total"] == EXPECTED["activities_value"]


@pytest.mark.django_db
def test_it_imports_every_sample_by_command_to_the_expected_records():
    load_sample_regions()
    user = county_admin()
    for kind, name in ORDER:
        code, out = run(kind, name, user)
        assert code == 0, out
        assert out.strip().splitlines()[-1].startswith("新增 "), out
    assert_expected_database()
    # Each imported child's first colour is a 台账导入 card change (from none); every change since
    # is a 走访评估 card change from a visit's reassessment.
    first = CardChange.objects.filter(from_colour="")
    assert set(first.values_list("reason", flat=True)) == {"台账导入"}
    assert first.count() == Child.objects.count()
    later = CardChange.objects.exclude(from_colour="")
    reassessed = {c.child.id_number: c.to_colour for c in later.select_related("child").order_by("effective_on", "pk")}
    assert reassessed and set(later.values_list("reason", flat=True)) == {"走访评估"}
    for number, colour in EXPECTED["children_colours"].items():
        assert Child.objects.get(id_number=number).card_colour == reassessed.get(number, colour)


@pytest.mark.django_db
def test_it_reports_new_zero_when_the_same_files_are_imported_again():
    load_sample_regions()
    user = county_admin()
    for kind, name in ORDER:
        run(kind, name, user)
        code, out = run(kind, name, user)
        assert code == 0
        assert out.strip().splitlines()[-1].startswith("新增 0，更新 0，"), (kind, out)


@pytest.mark.django_db
def test_it_rejects_the_file_with_errors_and_writes_nothing():
    load_sample_regions()
    user = county_admin()
    code, out = run("children", EXPECTED["children_bad_file"], user)
    assert code == 1
    rows = sorted(
        {
            int(line[1:].split("行")[0])
            for line in out.splitlines()
            if line.startswith("第") and "重复" not in line and "duplicate" not in line
        }
    )
    assert rows == EXPECTED["children_bad_rows"]
    assert out.strip().splitlines()[-1].endswith(f"错误 {len(EXPECTED['children_bad_rows'])}")
    assert "文本" in out  # the ID stored as a number says how to fix it
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_it_writes_nothing_on_a_dry_run():
    load_sample_regions()
    user = county_admin()
    code, out = run("children", EXPECTED["children_file"], user, "--dry-run")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith(f"新增 {EXPECTED['children_valid']}，")
    assert Child.objects.count() == 0


def admin_import(client, kind_admin, path):
    url = reverse(f"admin:{kind_admin}_import")
    with open(path, "rb") as fh:
        preview = client.post(url, {"format": "0", "resource": "0", "import_file": fh})
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    assert confirm is not None, [str(r.error) for r in preview.context["result"].invalid_rows] + [
        str(e.error) for e in preview.context["result"].base_errors
    ]
    data = {**confirm.initial}
    response = client.post(reverse(f"admin:{kind_admin}_process_import"), data)
    assert response.status_code == 302
    return preview


ADMINS = {
    "children": "children_child",
    "volunteers": "volunteers_volunteer",
    "pairings": "pairing_pairing",
    "visits": "activities_visit",
    "activities": "activities_activity",
}


@pytest.mark.django_db
def test_it_imports_every_sample_through_the_admin_preview_and_confirm(client, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    load_sample_regions()
    user = county_admin()
    client.force_login(user)
    for kind, name in ORDER:
        preview = admin_import(client, ADMINS[kind], sample(name))
        totals = preview.context["result"].totals
        assert totals["new"] > 0 and totals["invalid"] == 0
    assert_expected_database()
    assert list((tmp_path / "uploads").iterdir()) == []  # confirmed uploads are deleted


@pytest.mark.django_db
def test_the_admin_preview_lists_the_bad_rows_and_keeps_no_file(client, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    load_sample_regions()
    client.force_login(county_admin())
    with open(sample(EXPECTED["children_bad_file"]), "rb") as fh:
        response = client.post(
            reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": fh}
        )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert [r.number for r in response.context["result"].invalid_rows] == EXPECTED["children_bad_rows"]
    assert "不存在村" in response.content.decode()
    assert "新增 0，更新 0，冲突 0（未覆盖），跳过 2，错误 4" in response.content.decode()  # the preview's counts
    assert list((tmp_path / "uploads").iterdir()) == []
    assert Child.objects.count() == 0
