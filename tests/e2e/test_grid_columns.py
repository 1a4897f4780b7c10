"""Money is never cut off: numeric columns take the width of their widest
value on the page, text may be cut but shows itself whole on hover, the last column is never
under the scrollbar, and a currency format shows its symbol. Expected texts are literals."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, cells, dataset_detail, login, open_sales

pytestmark = pytest.mark.e2e

# Cells whose text does not fit: the cell or its value element scrolls (an ellipsis shows).
_CUT_NUMBERS = """() => [...document.querySelectorAll('#grid [row-index] .ag-cell.aurora-num')]
  .flatMap((cell) => [cell, cell.querySelector('.ag-cell-value')].filter(Boolean))
  .filter((el) => el.scrollWidth > el.clientWidth)
  .map((el) => `${el.closest('[col-id]').getAttribute('col-id')}: ${el.textContent}`)"""

# Scrolled fully right: how far the last column's right edge is past the visible body.
_LAST_COLUMN_OVERHANG = """() => {
  const viewport = document.querySelector('#grid .ag-grid-viewport');
  viewport.scrollLeft = viewport.scrollWidth;
  const cells = [...document.querySelectorAll('#grid [row-index="0"] .ag-cell')];
  const last = cells.reduce((a, b) =>
    (a.getBoundingClientRect().right > b.getBoundingClientRect().right ? a : b));
  // clientWidth leaves out the vertical scrollbar
  const visibleRight = viewport.getBoundingClientRect().left + viewport.clientWidth;
  return last.getBoundingClientRect().right - visibleRight;
}"""


def _newest(api: httpx.Client) -> int:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return int(options["MONTH_END"][0]["load_id"])


def _report(api: httpx.Client, spec: dict[str, Any]) -> str:
    body = {"name": f"Money {uuid.uuid4().hex[:8]}", "spec": spec}
    made = api.post("/api/reports", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _column_format(api: httpx.Client, column: str, fmt: str | None) -> None:
    body = {"columns": {column: {"format": fmt}}}
    answer = api.patch(f"/api/admin/datasets/{SALES}", json=body)
    assert answer.status_code == 200, answer.text


def _expect_no_cut_numbers(page: Page) -> None:
    expect(page.locator("#grid [row-index] .aurora-num").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)  # the columns are sized once the rows are drawn
    assert page.evaluate(_CUT_NUMBERS) == []


def test_big_sums_are_never_cut_and_the_last_column_is_not_under_the_scrollbar(
    page: Page, api: httpx.Client
) -> None:
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": _newest(api)},
        "group_by": ["country", "department"],
        "measures": [
            # Short names: a column sized by its header alone is too narrow for the sums.
            {"column": "revenue_local", "agg": "sum", "alias": "yen"},
            {"column": "revenue", "agg": "sum", "alias": "usd"},
            {"column": "discount", "agg": "avg", "alias": "disc"},
        ],
        "sort": [{"column": "yen", "direction": "desc"}],
    }
    report_id = _report(api, spec)
    login(page, "admin", ADMIN_PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 500})  # rows overflow: a scrollbar shows
    page.goto(f"/reports/{report_id}")
    # Japan's consumer sales in yen: billions, which were cut to "1,198,449,7…" before.
    expect(cells(page, "country").first).to_have_text("Japan", timeout=TIMEOUT_MS)
    expect(cells(page, "yen").first).to_have_text("1,198,449,755.00")
    _expect_no_cut_numbers(page)
    assert page.evaluate(_LAST_COLUMN_OVERHANG) <= 0.5


def test_plain_rows_show_whole_numbers_and_text_shows_whole_on_hover(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    _expect_no_cut_numbers(page)
    assert page.evaluate(_LAST_COLUMN_OVERHANG) <= 0.5
    page.evaluate(
        """() => { const c = document.querySelector('#grid [col-id="country"]');
                   c && c.scrollIntoView(); }"""
    )
    first = cells(page, "country").first
    text = first.inner_text()
    first.hover()
    expect(page.locator(".ag-tooltip")).to_have_text(text, timeout=TIMEOUT_MS)


def test_a_currency_column_shows_its_symbol(page: Page, api: httpx.Client) -> None:
    _column_format(api, "revenue", "currency:USD")
    try:
        login(page, "admin", ADMIN_PASSWORD)
        open_sales(page, api)
        revenue = cells(page, "revenue")
        expect(revenue.first).to_have_text(re.compile(r"^\$\d{1,3}(,\d{3})*\.\d\d$"))
        assert all(re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", t) for t in revenue.all_inner_texts())
        expect(cells(page, "cost").first).to_have_text(re.compile(r"^\d{1,3}(,\d{3})*\.\d\d$"))
        _expect_no_cut_numbers(page)
    finally:
        _column_format(api, "revenue", None)
