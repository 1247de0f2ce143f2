"""Issue 13, item 12: the import preview of a 16-column ledger, and the rows under its table.

The signature row (填表人：张某某 … 审核人：李某某) showed as a row of the preview; at 1366 px the 16
columns squeezed until cells wrapped one character per line. Footer and note lines are now
recognised from the whole row, counted as skipped and listed apart; the table scrolls sideways
(static/css/import-preview.css; the browser test e2e/test_imports.py measures it).
"""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from children.models import Child
from core.ledger.headers import footer_start, is_footer

from .ledger_helpers import EXPECTED, counts, county_admin, id_number, import_bytes, load_sample_regions, sample, xlsx
from .test_ledger_import import CHILD_HEADER, child_row

SIGNATURES = "填表人：张某某  审核人：李某某  负责人："


def _preview(client, data, name="台账.xlsx"):
    upload = SimpleUploadedFile(name, data)
    return client.post(reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": upload})


def _table(html: str) -> str:
    return html[
        html.index('<table class="import-preview-table') : html.index("</table>", html.index("import-preview-table"))
    ]


@pytest.mark.django_db
def test_the_samples_signature_row_is_a_skipped_footer_not_a_row_of_the_preview(client, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    load_sample_regions()
    client.force_login(county_admin())
    response = _preview(client, sample(EXPECTED["children_file"]).read_bytes())
    result = response.context["result"]
    assert result.footer_rows == [(46, SIGNATURES)]
    assert result.blank_rows == [45]
    assert {row.number for row in result.valid_rows()}.isdisjoint({45, 46})
    html = response.content.decode()
    table = _table(html)
    assert "审核人" not in table and "填表人" not in table
    skipped = html[html.index('id="ledger-skipped-rows"') :]
    assert re.search(r"第46行：\s*填表人：张某某\s+审核人：李某某", skipped)
    assert "已跳过 1 个空行" in skipped
    assert "跳过 3，错误 0" in html  # blank, signature and a duplicate: skipped, not errors
    assert 'id="ledger-table-scroll"' in html and "css/import-preview.css" in html


@pytest.mark.django_db
def test_signature_date_and_note_lines_anywhere_in_the_row_are_footer(users):
    header = [*CHILD_HEADER, "其他"]
    width = len(header)

    def line(position, value):
        row = [""] * width
        row[position] = value
        return row

    rows = [
        header,
        [*child_row(1, number=id_number(serial=1)), ""],
        line(width - 1, "审核人:李某某"),  # under a column the ledger does not read
        line(2, "填报日期：2025年1月15日"),  # under 性别
        line(0, "注：1.本表由乡镇妇联填报"),
        line(0, "2.一式两份"),  # a note's second line: the table ended at its signatures
    ]
    result = import_bytes("children", xlsx(rows), users["admin"])
    assert counts(result) == {"new": 1, "updated": 0, "conflicts": 0, "skipped": 4, "errors": 0}
    assert [number for number, _line in result.footer_rows] == [3, 4, 5, 6]
    assert result.footer_rows[1] == (4, "填报日期：2025年1月15日")
    assert Child.objects.count() == 1


@pytest.mark.parametrize(
    "row,footer",
    [
        (["", "", "", "审核人：李某某"], True),
        (["", "单位负责人：", "", "联系电话："], True),
        (["填报日期：2025年1月"], True),
        (["说明：本表…"], True),
        ([1, "张三", "女"], False),
        (["", "注意力不集中"], False),  # a name or a note that only starts like 注 is data
    ],
)
def test_a_footer_line_is_known_by_its_first_filled_cell(row, footer):
    assert is_footer(row) is footer


def test_the_footer_starts_at_the_first_signature_line():
    assert footer_start([[1, "张三"], ["", ""], ["填表人：", "", "审核人："], ["2.一式两份"]]) == 2
    assert footer_start([[1, "张三"], [2, "李四"]]) is None


@pytest.mark.django_db
def test_a_preview_with_row_errors_scrolls_its_table_too(client, users, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(users["admin"])
    response = _preview(client, xlsx([CHILD_HEADER, child_row(1, village="无此村")]))
    html = response.content.decode()
    assert response.context["result"].invalid_rows
    # The banner is one Chinese sentence: no ASCII full stop after the translated phrase.
    assert "部分行未通过校验。" in html and "部分行未通过校验." not in html
    scroll = html.index('id="ledger-table-scroll"')
    assert scroll < html.index('class="import-preview ')  # unfold's table of the bad rows


def test_the_stylesheet_lets_the_table_scroll_and_keeps_cells_on_one_line():
    path = finders.find("css/import-preview.css")
    assert path, "static/css/import-preview.css"
    with open(path, encoding="utf-8") as file:
        css = file.read()
    assert re.search(r"\.ledger-table-scroll\s*\{[^}]*overflow-x:\s*auto", css)
    assert re.search(r"white-space:\s*nowrap", css) and re.search(r"min-width:\s*\d", css)


@pytest.mark.django_db
def test_the_preview_of_the_sample_costs_a_bounded_number_of_queries(
    client, settings, tmp_path, django_assert_max_num_queries
):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    load_sample_regions()
    client.force_login(county_admin())
    data = sample(EXPECTED["children_file"]).read_bytes()
    with django_assert_max_num_queries(40):
        response = _preview(client, data)
    assert response.status_code == 200


def _number(i: int) -> str:
    """The ID number of the i-th child of a large file (one birthday each: the serial has 2 digits)."""
    import datetime

    return id_number(born=datetime.date(2010, 1, 1) + datetime.timedelta(days=i))


@pytest.mark.django_db
def test_a_large_preview_draws_its_first_rows_and_those_with_a_conflict(client, users, regions, settings, tmp_path):
    """Issue 16: a 10,000-row preview drew every row (190 MB of HTML, past gunicorn's timeout).
    The table shows PREVIEW_ROWS rows, a row with a conflict among them wherever it sits."""
    import datetime

    from children.tests.factories import ChildFactory
    from core.ledger_admin import PREVIEW_ROWS

    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    n = PREVIEW_ROWS + 50
    late = ChildFactory(name="旧名", id_number=_number(n), region=regions["village_a1"])
    Child.history.filter(id=late.pk).update(history_date=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
    rows = [child_row(i, name=f"童{i}", number=_number(i)) for i in range(1, n + 1)]
    client.force_login(users["admin"])
    response = _preview(client, xlsx([["填报日期：2025年1月15日"], CHILD_HEADER, *rows]))
    assert counts(response.context["result"])["new"] == n - 1
    html = response.content.decode()
    table = _table(html)
    assert table.count("<tr class=") == PREVIEW_ROWS
    cells = re.sub(r"\s+", "", table)
    assert "童1<" in cells and f"童{n - 1}<" not in cells
    assert "ledger-conflict" in table  # the last row's conflict is drawn although it is past the first rows
    assert f"另有 {n - PREVIEW_ROWS} 行已计入上面的统计" in html


@pytest.mark.django_db
def test_a_large_preview_with_errors_lists_the_first_and_files_every_error(client, users, settings, tmp_path):
    from core.ledger_admin import PREVIEW_ROWS

    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    n = PREVIEW_ROWS + 30
    rows = [child_row(i, name=f"童{i}", number=_number(i), village="无此村") for i in range(1, n + 1)]
    client.force_login(users["admin"])
    response = _preview(client, xlsx([CHILD_HEADER, *rows]))
    assert len(response.context["result"].invalid_rows) == n
    html = response.content.decode()
    assert html.count("无此村") >= PREVIEW_ROWS and f"另有 {n - PREVIEW_ROWS} 个有错误的行" in html
    assert 'id="error-file"' in html
    assert response.context["error_file"].startswith("data:")
