from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from regions.models import Level, Region

FIXTURES = Path(__file__).parent / "fixtures"


def write_csv(tmp_path, text, encoding="utf-8-sig"):
    path = tmp_path / "regions.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_it_loads_the_lvliang_file_with_levels_and_parents(db):
    call_command("load_regions", str(FIXTURES / "regions.csv"))
    village = Region.objects.get(code="141128100001")
    assert village.level == Level.VILLAGE
    assert village.parent.code == "141128100000"
    assert Region.objects.get(code="141102000000").parent.name == "吕梁市"
    assert Region.objects.count() == 24


def test_loading_twice_changes_nothing_and_renames_update(db, tmp_path):
    call_command("load_regions", str(FIXTURES / "regions.csv"))
    path = write_csv(tmp_path, "代码,名称\n141128100000,圪洞镇（新）\n")
    call_command("load_regions", str(path))
    assert Region.objects.get(code="141128100000").name == "圪洞镇（新）"
    assert Region.objects.count() == 24


def test_it_reads_xlsx_and_gb18030_csv(db, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["代码", "名称"])
    book.active.append(["140000000000", "山西省"])
    book.active.append(["141100000000", "吕梁市"])
    book.save(tmp_path / "r.xlsx")
    call_command("load_regions", str(tmp_path / "r.xlsx"))
    path = write_csv(tmp_path, "代码,名称\n141102000000,离石区\n", encoding="gb18030")
    call_command("load_regions", str(path))
    assert Region.objects.get(code="141102000000").parent.code == "141100000000"


def test_a_bad_code_is_reported_with_its_row_and_nothing_is_written(db, tmp_path, capsys):
    path = write_csv(tmp_path, "代码,名称\n140000000000,山西省\n14110000000,吕梁市\n")
    with pytest.raises(CommandError):
        call_command("load_regions", str(path))
    assert "3" in capsys.readouterr().err
    assert not Region.objects.exists()


def test_a_missing_parent_is_reported_and_nothing_is_written(db, tmp_path, capsys):
    path = write_csv(tmp_path, "代码,名称\n140000000000,山西省\n141128100000,圪洞镇\n")
    with pytest.raises(CommandError):
        call_command("load_regions", str(path))
    err = capsys.readouterr().err
    assert "141128000000" in err and "3" in err
    assert not Region.objects.exists()
