"""A top N asked in plain words: the grid shows exactly those N rows, best first, under a "Top
5" pill whose x brings every row back; and the Insights panel stands beside the chart on a
desktop screen (under it on a narrow one). Expected rows are the API's answers to specs
written out here, not read from the page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, cells, expect_page, login, page_of

pytestmark = pytest.mark.e2e

QUESTION = "top 5 departments by revenue in North"
BY_DEPARTMENT: dict[str, Any] = {  # what the question means, written out
    "dataset": SALES,
    "filters": {"conditions": [{"column": "region", "operator": "=", "value": "North"}]},
    "group_by": ["department"],
    "measures": [{"agg": "sum", "column": "revenue", "alias": "sum_revenue"}],
    "sort": [{"column": "sum_revenue", "direction": "desc"}],
}


def _ask_and_run(page: Page, question: str) -> None:
    # The dataset list arrives by the page's on_load: the session is live, so the typed
    # question is not overwritten by the page's first state.
    options = page.locator("#dataset-picker [role=option]")
    expect(options.first).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("#ask-input").fill(question)
    expect(page.locator("#ask-input")).to_have_value(question)
    page.click("#ask-submit")
    limit = page.locator("#ask-pills .ask-pill[data-kind=limit]")
    expect(limit).to_have_count(1, timeout=TIMEOUT_MS)
    page.click("#ask-run")


def test_top_5_shows_five_rows_in_order_and_the_pill_brings_every_row_back(
    page: Page, api: httpx.Client
) -> None:
    top, every = page_of(api, {**BY_DEPARTMENT, "limit": 5}), page_of(api, BY_DEPARTMENT)
    assert top["total_rows"] == 5 and len(every["rows"]) > 5
    assert top["rows"] == every["rows"][:5]
    login(page, "admin", ADMIN_PASSWORD)

    _ask_and_run(page, QUESTION)
    expect_page(page, top, "department", "sum_revenue")  # 1-5 of 5, the 5 cells in order
    expect(cells(page, "department")).to_have_count(5)
    pill = page.locator("#top-n-pill")
    expect(pill).to_have_text("Top 5", timeout=TIMEOUT_MS)

    page.click("#top-n-clear")
    expect(pill).to_have_count(0, timeout=TIMEOUT_MS)
    expect_page(page, every, "department", "sum_revenue")


def _box(page: Page, selector: str) -> dict[str, float]:
    locator = page.locator(selector)
    expect(locator).to_be_visible(timeout=TIMEOUT_MS)
    box = locator.bounding_box()
    assert box is not None, selector
    return box


def _chart_and_insights(page: Page) -> tuple[dict[str, float], dict[str, float]]:
    page.click("#chart-open")
    expect(page.locator("#chart-panel .recharts-bar-rectangle")).to_have_count(
        5, timeout=TIMEOUT_MS
    )  # the chart draws the grid's top 5, not every department
    return _box(page, "#chart-panel"), _box(page, "#insights-panel")


def test_the_insights_panel_stands_beside_the_chart_on_a_desktop_screen(
    page: Page, api: httpx.Client
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "admin", ADMIN_PASSWORD)
    _ask_and_run(page, QUESTION)
    expect(cells(page, "department")).to_have_count(5, timeout=TIMEOUT_MS)
    chart, insights = _chart_and_insights(page)
    assert insights["x"] >= chart["x"] + chart["width"] - 1  # to its right
    assert insights["y"] < chart["y"] + chart["height"] and chart["y"] < insights["y"] + 40
    assert insights["width"] >= 250 and chart["width"] > insights["width"]


def test_on_a_narrow_screen_the_insights_panel_goes_under_the_chart(
    browser: Browser, ui_url: str
) -> None:
    context = browser.new_context(base_url=ui_url, viewport={"width": 820, "height": 900})
    page = context.new_page()
    try:
        login(page, "admin", ADMIN_PASSWORD)
        _ask_and_run(page, QUESTION)
        expect(cells(page, "department")).to_have_count(5, timeout=TIMEOUT_MS)
        chart, insights = _chart_and_insights(page)
        assert insights["y"] >= chart["y"] + chart["height"] - 1
    finally:
        context.close()
