import io
import re

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from .samples import roster_file, world_of_children


@pytest.fixture
def roster(regions, users, tmp_path):
    _ours, rows, _extra = world_of_children(regions)
    path = tmp_path / "民政名单.xlsx"
    path.write_bytes(roster_file(rows))
    return path


def test_it_prints_the_four_counts_and_the_unreadable_and_writes_the_result(roster, tmp_path):
    out = io.StringIO()
    result = tmp_path / "结果.xlsx"
    call_command("reconcile_roster", str(roster), "--user", "county_admin", "-o", str(result), stdout=out)
    first, second = out.getvalue().splitlines()
    assert re.fullmatch(r"双方都有 \d+，仅对方有 \d+，仅本系统有 \d+，不一致 5", first), first
    assert second == "无法核对 2"
    assert openpyxl.load_workbook(result, read_only=True).sheetnames[0] == "汇总"


def test_a_masked_account_may_not_reconcile_from_the_command(roster, tmp_path):
    with pytest.raises(CommandError):
        call_command("reconcile_roster", str(roster), "--user", "town_a", "-o", str(tmp_path / "r.xlsx"))
    assert not (tmp_path / "r.xlsx").exists()


def test_it_prints_one_line_when_every_row_could_be_checked(regions, users, tmp_path):
    from .samples import roster_of

    path = tmp_path / "名单.xlsx"
    path.write_bytes(roster_of(3, regions["village_a1"]))
    out = io.StringIO()
    call_command("reconcile_roster", str(path), "--user", "county_admin", "-o", str(tmp_path / "r.xlsx"), stdout=out)
    assert out.getvalue().splitlines() == ["双方都有 3，仅对方有 0，仅本系统有 0，不一致 0"]


@pytest.mark.parametrize(
    "user, make, message",
    [
        ("no_such_user", lambda p: p, "没有这个用户：no_such_user"),
        ("viewer", lambda p: p, "viewer 无权进行全覆盖核查。"),
        ("county_admin", lambda p: p.with_name("没有.xlsx"), "找不到文件"),
        ("county_admin", lambda p: (p.write_bytes(b"\x89PNG0000"), p)[1], "不是表格"),
    ],
    ids=["unknown user", "viewer", "missing file", "not a spreadsheet"],
)
def test_it_refuses_in_chinese(roster, tmp_path, user, make, message):
    with pytest.raises(CommandError) as caught:
        call_command("reconcile_roster", str(make(roster)), "--user", user, "-o", str(tmp_path / "r.xlsx"))
    assert message in str(caught.value)
    assert not (tmp_path / "r.xlsx").exists()
