"""Numbers users can trust (issue 17): the demo's amounts in one currency, a dataset that
opens on one load, totals rows, date buckets and column summaries. Expected texts are
literals, or the API's numbers formatted here, never with the UI's own formatter."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import (
    SALES,
    TIMEOUT_MS,
    cells,
    header,
    login,
    open_sales,
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
