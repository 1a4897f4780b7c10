"""Numbers users can trust: the demo's amounts in one currency, a dataset that
opens on one load, totals rows, date buckets and column summaries. Expected texts are
literals, or the API's numbers formatted here, never with the UI's own formatter."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import (
    SALES,
    TIMEOUT_MS,
    base_spec,
    cells,
    dataset_detail,
    header,
    login,
    open_sales,
    page_of,
    pick,
)

pytestmark = pytest.mark.e2e


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _vintage_settings(api: httpx.Client, default_load_type: str | None) -> None:
    body = {
        "vintage": {
            "load_type_column": "load_type",
            "load_id_column": "load_id",
            "default_load_type": default_load_type,
        }
    }
    answer = api.patch(f"/api/admin/datasets/{SALES}", json=body)
    assert answer.status_code == 200, answer.text


def test_demo_amounts_are_us_dollars_with_the_local_revenue_beside(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.fill("#quick-search", "Japan")
    expect(cells(page, "country")).to_have_text(["Japan"] * 50, timeout=TIMEOUT_MS)
    expect(header(page, "Currency")).to_be_visible()
    expect(header(page, "Revenue local")).to_be_visible()
    expect(cells(page, "currency")).to_have_text(["JPY"] * 50)
    revenue = [_number(t) for t in cells(page, "revenue").all_inner_texts()]
    local = [_number(t) for t in cells(page, "revenue_local").all_inner_texts()]
    # Whole yen at the demo's 150 yen to the dollar; the dollar figure is the revenue.
    assert local == [(r * 150).quantize(Decimal("1"), ROUND_HALF_UP) for r in revenue]
    prices = [_number(t) for t in cells(page, "unit_price").all_inner_texts()]
    assert max(prices) < 40_000  # dollars: the dearest demo product lists at 25,000


def test_a_dataset_opens_on_one_load_and_all_loads_warns(page: Page, api: httpx.Client) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    pick(page, api)
    # No admin default: the newest load of the most recent type. DAILY and MONTH_END both
    # end on 31 Dec 2024; the month-end load holds more rows.
    expect(page.locator("#vintage-load-type")).to_have_value("MONTH_END", timeout=TIMEOUT_MS)
    expect(page.locator("#vintage-load-id")).to_have_value("20241231")
    one_load = {**base_spec(api), "vintage": {"load_type": "MONTH_END", "load_id": 20241231}}
    total = page_of(api, one_load)["total_rows"]
    expect(page.locator("#row-range")).to_have_text(f"1\u201350 of {total:,}", timeout=TIMEOUT_MS)
    expect(page.locator("#vintage-warning")).to_have_count(0)

    page.select_option("#vintage-load-id", "")
    expect(page.locator("#vintage-warning")).to_have_text("sums span 6 loads")
    page.select_option("#vintage-load-type", "")
    expect(page.locator("#vintage-warning")).to_have_text("sums span 13 loads")
    expect(page.locator("#vintage-load-id")).to_be_disabled()

    page.click("#reset-all")
    expect(page.locator("#vintage-load-type")).to_have_value("MONTH_END", timeout=TIMEOUT_MS)
    expect(page.locator("#vintage-load-id")).to_have_value("20241231")
    expect(page.locator("#vintage-warning")).to_have_count(0)
    expect(page.locator("#row-range")).to_have_text(f"1\u201350 of {total:,}", timeout=TIMEOUT_MS)


def test_the_admins_default_load_type_opens_on_its_newest_load(
    page: Page, api: httpx.Client
) -> None:
    _vintage_settings(api, "DAILY")
    try:
        detail: dict[str, Any] = dataset_detail(api)
        assert detail["default_vintage"] == {"load_type": "DAILY", "load_id": 20241231}
        login(page, "admin", ADMIN_PASSWORD)
        pick(page, api)
        expect(page.locator("#vintage-load-type")).to_have_value("DAILY", timeout=TIMEOUT_MS)
        expect(page.locator("#vintage-load-id")).to_have_value("20241231")
        expect(page.locator("#vintage-warning")).to_have_count(0)
        page.select_option("#vintage-load-type", "")
        expect(page.locator("#vintage-warning")).to_have_text("sums span 13 loads")
    finally:
        _vintage_settings(api, None)
