"""An old file undoes nothing (issue 12): changes to values newer than the ledger are conflicts."""

import datetime
import io

import pytest
from django.core.management import call_command

from children.models import CardChange, Child

from .ledger_helpers import EXPECTED, ORDER, counts, county_admin, import_bytes, load_sample_regions, sample, xlsx
from .test_ledger_import import CHILD_HEADER, child_row

JANUARY = datetime.date(2025, 1, 1)  # 填报日期：2025年1月 in the sample's title rows


def run(kind, name, user, *extra):
    out = io.StringIO()
    code = 0
    try:
        call_command("import_ledger", "--kind", kind, "--user", user.username, *extra, str(sample(name)), stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def import_all_then_reassess():
    load_sample_regions()
    user = county_admin()
    for kind, name in ORDER[:4]:  # children, mothers, pairings, visits (which reassess colours)
        code, out = run(kind, name, user)
        assert code == 0, out
    return user


#: rows of the children's file that are no child (a duplicate, blank and footer rows)
NOT_CHILDREN = 3


def colours():
    return dict(Child.objects.values_list("id_number", "card_colour"))


def reassessed_back(before):
    """Children whose colour the visits changed away from what the children's file says."""
    return {n for n, colour in before.items() if colour != EXPECTED["children_colours"][n]}


@pytest.mark.django_db
def test_it_changes_no_colour_when_the_older_children_file_comes_again():
    user = import_all_then_reassess()
    before, changes = colours(), CardChange.objects.count()
    conflicted = reassessed_back(before)
    assert conflicted  # the samples do reassess some children to another colour

    code, out = run("children", EXPECTED["children_file"], user)

    assert code == 0, out
    assert colours() == before and CardChange.objects.count() == changes
    assert "台账日期：2025-01-01" in out
    last = out.strip().splitlines()[-1]
    assert (
        last == f"新增 0，更新 0，冲突 {len(conflicted)}（未覆盖），跳过 {40 + NOT_CHILDREN - len(conflicted)}，错误 0"
    ), out
    assert out.count("未覆盖") == len(conflicted) + 1  # one line per conflict, then the summary


@pytest.mark.django_db
def test_it_overwrites_newer_colours_through_the_card_service_when_asked():
    user = import_all_then_reassess()
    conflicted = reassessed_back(colours())

    code, out = run("children", EXPECTED["children_file"], user, "--overwrite-newer")

    assert code == 0, out
    assert (
        out.strip().splitlines()[-1]
        == f"新增 0，更新 {len(conflicted)}，冲突 0（未覆盖），跳过 {40 + NOT_CHILDREN - len(conflicted)}，错误 0"
    )
    for number in conflicted:
        child = Child.objects.get(id_number=number)
        assert child.card_colour == EXPECTED["children_colours"][number]
        change = child.card_changes.order_by("-created_at", "-pk").first()
        assert (change.to_colour, change.effective_on, change.reason) == (child.card_colour, JANUARY, "台账导入")
        assert change.changed_by == user


@pytest.mark.django_db
def test_the_date_given_wins_over_the_title_and_a_later_date_is_no_conflict():
    user = import_all_then_reassess()
    conflicted = reassessed_back(colours())

    code, out = run("children", EXPECTED["children_file"], user, "--ledger-date", "2025-02-01")

    assert code == 0, out
    assert "台账日期：2025-02-01" in out
    assert out.strip().splitlines()[-1].startswith(f"新增 0，更新 {len(conflicted)}，冲突 0（未覆盖）")
    assert CardChange.objects.filter(effective_on=datetime.date(2025, 2, 1), reason="台账导入").count() == len(
        conflicted
    )


@pytest.fixture
def users_and_child(users):
    data = xlsx([CHILD_HEADER, child_row(1, colour="红")], [["填报日期：2025年1月31日"]])
    assert import_bytes("children", data, users["admin"])
    return users, Child.objects.get()


def ledger(*rows, date="填报日期：2025年1月31日"):
    return xlsx([CHILD_HEADER, *rows], [[date]] if date else [])


@pytest.mark.django_db
def test_a_field_changed_in_the_system_after_the_ledger_date_is_kept(users_and_child):
    users, child = users_and_child
    child.name = "张三丰"
    child.save()  # today, long after 2025-01-31

    result = import_bytes("children", ledger(child_row(1, name="张三", difficulty="自身残疾")), users["admin"])

    child.refresh_from_db()
    assert child.name == "张三丰"  # the conflict is not applied
    assert [d.name for d in child.difficulties.all()] == ["重病"]  # imported today too: newer than the file
    (row,) = [r for r in result.rows if getattr(r, "changes", None)]
    shown = {(c.label, c.old, c.new, c.conflict, c.applied) for c in row.changes}
    assert ("姓名", "张三丰", "张三", True, False) in shown
    assert ("困境类型", "重病", "自身残疾", True, False) in shown


@pytest.mark.django_db
def test_without_a_ledger_date_nothing_is_newer(users_and_child):
    users, child = users_and_child
    child.name = "张三丰"
    child.save()

    result = import_bytes("children", ledger(child_row(1, name="张三"), date=""), users["admin"])

    assert result.ledger_date is None
    child.refresh_from_db()
    assert child.name == "张三"
    (row,) = [r for r in result.rows if getattr(r, "changes", None)]
    assert [(c.label, c.old, c.new, c.conflict) for c in row.changes] == [("姓名", "张三丰", "张三", False)]


@pytest.mark.django_db
def test_a_change_older_than_the_ledger_is_applied_with_its_old_value_shown(users_and_child):
    users, child = users_and_child
    child.history.update(history_date=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))

    result = import_bytes("children", ledger(child_row(1, village="城内村")), users["admin"])

    child.refresh_from_db()
    assert child.region.name == "城内村"
    (row,) = [r for r in result.rows if getattr(r, "changes", None)]
    assert [(c.label, c.old, c.new, c.conflict) for c in row.changes] == [("村（社区）", "武当社区", "城内村", False)]


def preview(client, data, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile("儿童台账.xlsx", data)
    return client.post(
        reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": upload, **extra}
    )


@pytest.mark.django_db
def test_the_preview_shows_each_change_old_to_new_and_the_conflict(client, settings, tmp_path, users_and_child):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    users, child = users_and_child
    child.name = "张三丰"
    child.save()
    client.force_login(users["admin"])

    response = preview(client, ledger(child_row(1, name="张三", colour="黄")))

    page = response.content.decode()
    assert "台账日期：2025-01-31" in page
    assert "姓名：张三丰 → 张三" in page and "ledger-conflict" in page
    assert "三色卡：红 → 黄" in page
    assert "新增 0，更新 0，冲突 1（未覆盖），跳过 0，错误 0" in page
    assert 'name="overwrite_newer"' in page


@pytest.mark.django_db
def test_confirming_with_the_box_ticked_overwrites_and_the_form_date_wins(client, settings, tmp_path, users_and_child):
    from django.urls import reverse

    settings.LEDGER_UPLOAD_DIR = tmp_path
    users, child = users_and_child
    child.name = "张三丰"
    child.save()
    client.force_login(users["admin"])
    response = preview(client, ledger(child_row(1, name="张三", colour="黄")), ledger_date="2025-03-01")
    assert "台账日期：2025-03-01" in response.content.decode()
    data = {**response.context["confirm_form"].initial}
    assert data["ledger_date"] == datetime.date(2025, 3, 1)

    client.post(reverse("admin:children_child_process_import"), {**data, "overwrite_newer": "on"})

    child.refresh_from_db()
    assert (child.name, child.card_colour) == ("张三", "yellow")
    # Besides the first colour (a change from none, dated on the first ledger's date):
    assert child.card_changes.exclude(from_colour="").get().effective_on == datetime.date(2025, 3, 1)
    assert child.card_changes.get(from_colour="").effective_on == datetime.date(2025, 1, 31)


@pytest.mark.django_db
def test_confirming_without_the_box_keeps_the_newer_value(client, settings, tmp_path, users_and_child):
    from django.urls import reverse

    settings.LEDGER_UPLOAD_DIR = tmp_path
    users, child = users_and_child
    child.name = "张三丰"
    child.save()
    client.force_login(users["admin"])
    response = preview(client, ledger(child_row(1, name="张三", colour="黄")))

    client.post(reverse("admin:children_child_process_import"), {**response.context["confirm_form"].initial})

    child.refresh_from_db()
    assert (child.name, child.card_colour) == ("张三丰", "yellow")  # the colour has no newer card change


@pytest.mark.django_db
def test_the_preview_says_when_the_ledger_date_is_unknown(client, settings, tmp_path, users):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    client.force_login(users["admin"])
    response = preview(client, ledger(child_row(1), date=""))
    assert "台账日期未知" in response.content.decode()


@pytest.mark.django_db
def test_the_import_job_takes_the_ledger_date_and_the_overwrite_choice(client, users_and_child):
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from reports.models import Job, JobStatus

    users, child = users_and_child
    child.name = "张三丰"
    child.save()
    client.force_login(users["admin"])
    data = ledger(child_row(1, name="张三"))
    start = reverse("admin:reports_job_start", args=["import_children"])
    page = client.get(start).content.decode()
    assert 'name="ledger_date"' in page and 'name="overwrite_newer"' in page

    client.post(start, {"file": ContentFile(data, name="a.xlsx")})
    job = Job.objects.latest("pk")
    assert job.status == JobStatus.DONE, job.message
    assert job.report["conflicts"] == 1 and "冲突 1（未覆盖）" in job.report["summary"]
    child.refresh_from_db()
    assert child.name == "张三丰"

    client.post(start, {"file": ContentFile(data, name="a.xlsx"), "overwrite_newer": "on"})
    child.refresh_from_db()
    assert child.name == "张三"


@pytest.mark.django_db
def test_a_mothers_roster_older_than_a_change_keeps_the_change(users):
    from volunteers.models import Volunteer

    from .test_ledger_import import MOTHER_HEADER

    def roster(employer, team):
        row = [1, "赵六", "13800000001", employer, "", "", team, "圪洞镇", "2024.5.1"]
        return xlsx([MOTHER_HEADER, row], [["填报日期：2025年1月31日"]])

    import_bytes("volunteers", roster("县医院", "一队"), users["admin"])
    mother = Volunteer.objects.get()
    mother.employer = "县妇幼保健院"
    mother.save()

    result = import_bytes("volunteers", roster("县医院", "二队"), users["admin"])

    mother.refresh_from_db()
    assert mother.employer == "县妇幼保健院"
    assert mother.team.name == "一队"  # set today too: newer than the roster
    assert counts(result)["conflicts"] == 1
    (row,) = [r for r in result.rows if getattr(r, "changes", None)]
    assert {(c.old, c.new, c.conflict, c.applied) for c in row.changes} == {
        ("县妇幼保健院", "县医院", True, False),
        ("一队", "二队", True, False),
    }


@pytest.mark.django_db
def test_it_is_the_latest_change_of_each_field_that_counts(users_and_child):
    users, child = users_and_child
    child.history.update(history_date=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
    child.name = "张三丰"
    child.save()  # today: the name is newer than the ledger, the village is not

    import_bytes("children", ledger(child_row(1, name="张三", village="城内村")), users["admin"])

    child.refresh_from_db()
    assert (child.name, child.region.name) == ("张三丰", "城内村")
