"""Issue 13, item 12: the import preview of a 16-column ledger at 1366×768, in Chromium.

Each header and cell stays on one line (the table scrolls sideways instead of wrapping a cell
one character per line), and the signature row under the sample's table is listed as a skipped
footer, not shown as a row. ``SAVE_DOCS_SCREENSHOTS=1`` also writes docs/screenshots/import-preview.png.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LAPTOP = {"width": 1366, "height": 768}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# For each header and cell (but the changes column and rows spanning the table): how many lines
# each of its texts takes, from the boxes the browser laid the text out in.
LINES = """() => {
  const cells = document.querySelectorAll(
    "#ledger-table-scroll th, #ledger-table-scroll td:not(.ledger-changes):not([colspan])");
  const out = [];
  for (const cell of cells) {
    const text = cell.innerText.trim();
    if (!text || cell.offsetParent === null) continue;
    let lines = 0;  // the most lines any of its texts takes
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      lines = Math.max(lines, tops.size);
    }
    out.push({text, lines, width: Math.round(cell.getBoundingClientRect().width)});
  }
  return out;
}"""


def test_a_16_column_preview_keeps_each_cell_on_one_line_and_lists_the_footer_apart(county, open_context, shot):
    from core.tests.ledger_helpers import EXPECTED, sample

    page = open_context(viewport=LAPTOP).new_page()
    login(page, "fs_admin")
    page.goto("/admin/children/child/import/")
    page.set_input_files("input[name=import_file]", sample(EXPECTED["children_file"]))
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("button", name="确认导入")).to_be_visible()

    headers = page.locator("#ledger-table-scroll thead th")
    assert headers.count() >= 18  # status, changes and the ledger's 16 columns (and 纳入日期)
    cells = page.evaluate(LINES)
    assert len(cells) > 16 * 10
    wrapped = [cell for cell in cells if cell["lines"] > 1]
    assert not wrapped, wrapped[:10]
    assert min(cell["width"] for cell in cells) >= 60  # no column squeezed to a character

    scroll = page.locator("#ledger-table-scroll")
    sizes = scroll.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1]  # the table scrolls inside its box…
    page_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width[0] <= page_width[1]  # …and the page itself does not

    table = page.locator("table.import-preview-table")
    expect(table).not_to_contain_text("审核人")
    expect(table).not_to_contain_text("填表人")
    expect(page.locator("#ledger-skipped-rows")).to_contain_text("第46行：填表人：张某某")
    expect(page.locator("#ledger-skipped-rows")).to_contain_text("审核人：李某某")

    shot(page, "import-preview", full_page=False)
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        page.locator("#ledger-result").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "import-preview.png"), full_page=False)
