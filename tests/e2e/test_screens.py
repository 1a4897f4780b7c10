"""Screenshots of the main screens at two window sizes, with a layout check on each:
nothing wider than the window, no modal taller than 90% of it, no horizontal scrolling
(except inside the grid and inside tables marked `data-scrolls`, which scroll their own
wide content within their box)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS
from tests.e2e.helpers import SALES, TIMEOUT_MS, cells, dataset_detail, login, open_sales, pick

pytestmark = pytest.mark.e2e

VIEWPORTS = [(1366, 768), (1920, 1080)]
LONG = "Very long value " * 24

# Every element's right edge, and each scroll container's overflow, measured in the page.
_LAYOUT_JS = """
(sel) => {
  const root = document.querySelector(sel);
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const box = root.getBoundingClientRect();
  const wide = [...root.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    // the grid scrolls its own wide content inside its box; only the box itself must fit
    const inGrid = e.parentElement && e.parentElement.closest('#grid, [data-scrolls]');
    return r.width > 0 && r.right > box.right + 1 && !inGrid
      && getComputedStyle(e).position !== 'fixed';
  }).map(e => e.tagName + '.' + (e.className || '').toString().slice(0, 40));
  const sideways = [...root.querySelectorAll('*')].filter(e => {
    const s = getComputedStyle(e);
    return e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(s.overflowX)
      && !e.closest('#grid, [data-scrolls]');
  }).map(e => e.tagName + '.' + (e.className || '').toString().slice(0, 40));
  return {left: box.left, right: box.right, top: box.top, bottom: box.bottom,
          height: box.height, vw, vh, wide: wide.slice(0, 5), sideways: sideways.slice(0, 5),
          pageScrolls: document.documentElement.scrollWidth > vw};
}
"""


def _check_layout(page: Page, selector: str, modal: bool) -> None:
    m: dict[str, Any] = page.evaluate(_LAYOUT_JS, selector)
    assert m["left"] >= 0 and m["right"] <= m["vw"] + 1, m
    assert not m["wide"], f"children wider than {selector}: {m['wide']}"
    assert not m["sideways"], f"horizontal scrolling in {selector}: {m['sideways']}"
    assert not m["pageScrolls"], "the page scrolls sideways"
    if modal:
        assert m["top"] >= 0 and m["bottom"] <= m["vh"] + 1, m
        assert m["height"] <= 0.9 * m["vh"] + 1, m


def _shot(page: Page, name: str, size: tuple[int, int]) -> Path:
    path = ARTIFACTS / f"{name}-{size[0]}x{size[1]}.png"
    page.screenshot(path=str(path))
    return path


def _thirty_rules(page: Page) -> None:
    page.click("#filter-open")
    for _ in range(18):
        page.click("#filter-add-condition")
    page.click("#filter-add-group")
    page.click("#filter-add-group")
    expect(page.locator("#filter-modal .filter-condition")).to_have_count(21, timeout=TIMEOUT_MS)
    inner = page.locator("#filter-modal .filter-group").nth(2)
    for _ in range(8):
        inner.get_by_role("button", name="Condition").click()
    rows = page.locator("#filter-modal .filter-condition")
    expect(rows).to_have_count(29, timeout=TIMEOUT_MS)
    page.locator("#filter-modal .filter-group").nth(1).get_by_role(
        "button", name="Condition"
    ).click()
    expect(rows).to_have_count(30, timeout=TIMEOUT_MS)
    rows.nth(0).locator(".filter-column").select_option("country")
    expect(rows.nth(0).locator("input")).to_have_attribute("type", "text")
    rows.nth(0).locator("input").fill(LONG)
    rows.nth(1).locator(".filter-column").select_option("region")
    rows.nth(1).locator(".filter-operator").select_option("in")
    expect(rows.nth(1).locator("textarea")).to_be_visible()
    rows.nth(1).locator("textarea").fill(",".join(f"{LONG}{i}" for i in range(4)))
    rows.nth(2).locator(".filter-column").select_option("order_date")
    rows.nth(2).locator(".filter-operator").select_option("between")
    expect(rows.nth(2).locator("input")).to_have_count(2)


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screens_fit_the_window(browser: Browser, ui_url: str, api: httpx.Client, size):
    context = browser.new_context(base_url=ui_url, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # Esc after edits asks to discard them
    try:
        login(page, "admin", ADMIN_PASSWORD)
        open_sales(page, api)
        _check_layout(page, "body", modal=False)
        _shot(page, "grid", size)

        _thirty_rules(page)
        _check_layout(page, "#filter-modal", modal=True)
        _shot(page, "filter-modal-30-rules", size)
        page.keyboard.press("Escape")

        page.click("#aggregate-open")
        for column in ("region", "channel", "department", "country"):
            page.select_option("#aggregate-group-add", column)
        for _ in range(3):
            page.click("#aggregate-add-measure")
        expect(page.locator("#aggregate-modal .measure-row")).to_have_count(4)
        page.locator("#aggregate-modal .measure-row").nth(1).locator("select").first.select_option(
            "expr"
        )
        page.locator("#aggregate-modal .measure-expr").fill("revenue * (1 - discount) " * 6)
        _check_layout(page, "#aggregate-modal", modal=True)
        _shot(page, "aggregate-modal", size)
        page.keyboard.press("Escape")

        page.click("#export-open")
        page.click("#export-start")
        expect(page.locator("#export-error, #export-download").first).to_be_visible(timeout=60_000)
        _check_layout(page, "#export-modal", modal=True)
        _shot(page, "export-modal", size)
    finally:
        context.close()


def _second_half_explorer(page: Page, api: httpx.Client, size: tuple[int, int]) -> None:
    page.click("#join-open")
    page.select_option("#join-add", "employee_roster")
    expect(page.locator("#join-preview tbody tr")).to_have_count(50, timeout=TIMEOUT_MS)
    _check_layout(page, "#join-modal", modal=True)
    _shot(page, "join-modal", size)
    page.click("#join-apply")
    expect(page.locator("#join-modal")).to_have_count(0, timeout=TIMEOUT_MS)

    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", "salary_band")
    page.locator("#aggregate-modal .measure-column").first.select_option("revenue")
    page.locator("#aggregate-modal .measure-agg").first.select_option("sum")
    page.click("#aggregate-apply")
    expect(page.locator("#aggregate-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    page.click("#chart-open")
    expect(page.locator("#chart-panel .recharts-bar-rectangle").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    _check_layout(page, "body", modal=False)
    _shot(page, "chart-bar", size)
    page.select_option("#chart-kind", "pie")
    expect(page.locator("#chart-panel .recharts-legend-item").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    _check_layout(page, "body", modal=False)
    _shot(page, "chart-pie", size)

    page.click("#report-save")
    page.fill("#report-name", LONG[:120])
    page.fill("#report-description", LONG)
    _check_layout(page, "#report-save-modal", modal=True)
    _shot(page, "report-save-modal", size)
    page.click("#report-save-submit")
    page.wait_for_url("**/reports/*", timeout=TIMEOUT_MS)


def _second_half_pages(page: Page, size: tuple[int, int]) -> None:
    page.click("#nav-reports")
    expect(page.locator("#report-list .report-row").first).to_be_visible(timeout=TIMEOUT_MS)
    _check_layout(page, "body", modal=False)
    _shot(page, "reports", size)

    page.locator("#report-list .report-row .report-schedule").first.click()
    expect(page.locator("#schedule-modal")).to_be_visible(timeout=TIMEOUT_MS)
    _check_layout(page, "#schedule-modal", modal=True)
    _shot(page, "schedule-modal", size)
    page.click("#schedule-save")
    expect(page.locator("#schedule-run-history")).to_be_visible(timeout=TIMEOUT_MS)
    _check_layout(page, "body", modal=False)
    _shot(page, "schedules", size)

    page.click("#nav-pivot")
    page.select_option("#pivot-dataset", "global_sales")
    page.select_option("#pivot-load-type", "MONTH_END")
    for column in ("region", "country"):
        page.select_option("#pivot-rows-add", column)
    page.select_option("#pivot-cols-add", "department")
    page.select_option("#pivot-value-column", "revenue")
    page.click("#pivot-value-add")
    page.select_option("#pivot-value-agg", "count")
    page.click("#pivot-value-add")
    # The second value's cross-tab, not the first's still on screen: an expand clicked on the
    # first is undone when the second arrives.
    expect(page.locator("#pivot-view thead")).to_contain_text("Rows", timeout=TIMEOUT_MS)
    expect(page.locator("#pivot-view .pivot-expand").first).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("#pivot-view .pivot-expand").first.click()
    expect(page.locator('#pivot-view .pivot-row[data-level="1"]').first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    _check_layout(page, "body", modal=False)
    _shot(page, "pivot", size)
    page.click("#pivot-filter-open")
    page.locator("#filter-modal .filter-condition .filter-column").first.select_option("channel")
    page.locator("#filter-modal .filter-value").first.fill("Online")
    page.wait_for_timeout(400)  # the value input is debounced
    _check_layout(page, "#filter-modal", modal=True)
    _shot(page, "pivot-filter-modal", size)
    page.click("#filter-apply")
    expect(page.locator("#filter-pills .filter-pill")).to_have_count(1, timeout=TIMEOUT_MS)
    page.click("#pivot-save")
    expect(page.locator("#report-save-modal")).to_be_visible(timeout=TIMEOUT_MS)
    _check_layout(page, "#report-save-modal", modal=True)
    _shot(page, "pivot-save-modal", size)
    page.keyboard.press("Escape")
    _check_layout(page, "body", modal=False)
    _shot(page, "pivot-filtered", size)
    page.locator("#pivot-view .pivot-cell").first.click()
    expect(page.locator("#pivot-drill .drill-row").first).to_be_visible(timeout=TIMEOUT_MS)
    _check_layout(page, "#pivot-drill", modal=True)
    _shot(page, "pivot-drill", size)
    page.keyboard.press("Escape")


def _admin_pages(page: Page, size: tuple[int, int]) -> None:
    page.goto("/admin/datasets")
    page.locator('.admin-dataset-row[data-key="global_sales"] .dataset-edit').click()
    expect(page.locator("#dataset-settings")).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#rls-add")
    _check_layout(page, "body", modal=False)
    _shot(page, "admin-datasets", size)
    for name, ready in (
        ("users", "#user-list .user-row"),
        ("keys", "#api-key-create"),
        ("audit", "#audit-list .audit-row"),
    ):
        page.goto(f"/admin/{name}")
        expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT_MS)
        _check_layout(page, "body", modal=False)
        _shot(page, f"admin-{name}", size)
    page.goto("/admin/users")
    page.locator("#user-list .user-edit").first.click()
    page.fill("#user-edit-attributes", "\n".join(f"attr{i} = {LONG}" for i in range(4)))
    _check_layout(page, "#user-edit-modal", modal=True)
    _shot(page, "admin-user-edit", size)


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_second_half_screens_fit_the_window(browser: Browser, ui_url: str, api: httpx.Client, size):
    context = browser.new_context(base_url=ui_url, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        login(page, "admin", ADMIN_PASSWORD)
        open_sales(page, api)
        _second_half_explorer(page, api, size)
        _second_half_pages(page, size)
        _admin_pages(page, size)
    finally:
        context.close()


# Numeric cells (the pinned Total row too) whose text does not fit: an ellipsis shows.
_CUT_NUMBERS = """() => [...document.querySelectorAll('#grid [row-index] .ag-cell.aurora-num')]
  .flatMap((cell) => [cell, cell.querySelector('.ag-cell-value')].filter(Boolean))
  .filter((el) => el.scrollWidth > el.clientWidth)
  .map((el) => `${el.closest('[col-id]').getAttribute('col-id')}: ${el.textContent}`)"""

# An element's box inside the window (a toast, a notice): nothing of it off screen.
_ON_SCREEN = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= vw + 1 && r.bottom <= vh + 1;
}"""


def _on_screen(page: Page, selector: str) -> None:
    """The element settles inside the window (a toast slides in)."""
    page.wait_for_function(_ON_SCREEN, arg=selector, timeout=TIMEOUT_MS)


def _money_report(api: httpx.Client) -> str:
    """Money by region and channel (local and US dollar sums, so billions), under an OR group
    of filters: the grid with its Total row, grouped pills, and a chart with a series."""
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": options["MONTH_END"][0]["load_id"]},
        "filters": {
            "op": "and",
            "conditions": [
                {
                    "op": "or",
                    "conditions": [
                        {"column": "department", "operator": "starts_with", "value": "Fin"},
                        {"column": "channel", "operator": "=", "value": "Online"},
                    ],
                },
            ],
        },
        "group_by": ["region", "channel"],
        "measures": [
            {"column": "revenue_local", "agg": "sum", "alias": "local_revenue"},
            {"column": "revenue", "agg": "sum", "alias": "usd_revenue"},
            {"column": "quantity", "agg": "sum", "alias": "units"},
        ],
        "sort": [{"column": "local_revenue", "direction": "desc"}],
    }
    made = api.post("/api/reports", json={"name": f"Money {uuid.uuid4().hex[:8]}", "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _money_grid(page: Page, size: tuple[int, int]) -> None:
    total = page.locator("#grid .ag-grid-pinned-bottom-rows [role=row]")
    expect(total.locator('[col-id="region"]')).to_have_text("Total", timeout=TIMEOUT_MS)
    expect(total.locator('[col-id="units"]')).to_have_text(re.compile(r"^\d{1,3}(,\d{3})+$"))
    expect(page.locator("#filter-pills .filter-pill")).to_have_text(
        ["(Department starts with Fin OR Channel = Online)"]
    )
    page.wait_for_timeout(300)  # the numeric columns are sized once the rows are drawn
    assert page.evaluate(_CUT_NUMBERS) == []
    _check_layout(page, "body", modal=False)
    _shot(page, "grid-money-totals-grouped-pills", size)

    page.click("#columns-toggle")
    page.get_by_role("button", name="Summary of Region", exact=True).click()
    summary = page.locator("#column-summary")
    expect(summary.locator(".column-summary-top").first).to_be_visible(timeout=TIMEOUT_MS)
    _check_layout(page, "body", modal=False)
    _on_screen(page, "#column-summary")
    _shot(page, "column-summary", size)
    page.click("#column-summary-close")
    expect(summary).to_have_count(0)


def _charts(page: Page, size: tuple[int, int]) -> None:
    page.keyboard.press("Escape")  # the Columns menu
    page.click("#chart-open")
    expect(page.locator("#chart-series")).to_have_value("channel", timeout=TIMEOUT_MS)
    legend = page.locator("#chart-panel .recharts-legend-item")
    expect(legend.first).to_be_visible(timeout=TIMEOUT_MS)
    assert legend.count() >= 2, "each channel is a series of its own"
    expect(page.locator("#chart-panel .recharts-bar-rectangle").first).to_be_visible()
    _check_layout(page, "body", modal=False)
    _shot(page, "chart-bar-series", size)

    page.select_option("#chart-kind", "pie")
    slices = page.locator("#chart-panel .recharts-pie-sector")
    expect(slices.first).to_be_visible(timeout=TIMEOUT_MS)
    expect(legend).to_have_count(slices.count(), timeout=TIMEOUT_MS)
    _check_layout(page, "body", modal=False)
    _shot(page, "chart-pie-legend", size)


def _reset_toast(page: Page, size: tuple[int, int]) -> None:
    page.click("#reset-all")
    toast = page.locator("[data-sonner-toast]")
    expect(toast.get_by_role("button", name="Undo")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#current-title")).to_have_text("Unsaved")
    _on_screen(page, "[data-sonner-toast]")
    _check_layout(page, "body", modal=False)
    _shot(page, "reset-all-undo-toast", size)


def _date_bucket_and_failed_apply(page: Page, size: tuple[int, int]) -> None:
    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", "order_date")
    pill = page.locator("#aggregate-group-by .group-pill")
    pill.locator(".group-bucket").select_option("month")
    expect(pill).to_contain_text("Order date (month)", timeout=TIMEOUT_MS)
    _check_layout(page, "#aggregate-modal", modal=True)
    _shot(page, "aggregate-date-bucket", size)
    page.click("#aggregate-add-measure")
    bad = page.locator("#aggregate-modal .measure-row").nth(1)
    bad.locator("select").first.select_option("expr")
    bad.locator(".measure-expr").fill("revenue * nosuch")
    page.wait_for_timeout(400)  # the debounced input reaches the state
    page.click("#aggregate-apply")
    expect(bad.locator(".measure-error")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#aggregate-modal")).to_be_visible()
    _check_layout(page, "#aggregate-modal", modal=True)
    _shot(page, "aggregate-failed-apply", size)
    bad.get_by_role("button", name="Remove measure").click()
    page.click("#aggregate-apply")
    expect(page.locator("#aggregate-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(cells(page, "order_date_month").first).to_have_text(
        re.compile(r"^[A-Z][a-z]{2} \d{4}$"), timeout=TIMEOUT_MS
    )
    expect(page.locator('#grid [role=columnheader][col-id="order_date_month"]')).to_contain_text(
        "Order date (month)"
    )
    _check_layout(page, "body", modal=False)
    _shot(page, "grid-by-month", size)


def _rls_notice(page: Page, api: httpx.Client, size: tuple[int, int]) -> None:
    rule = {"rls": [{"column": "category", "attribute": "region"}]}
    answer = api.patch("/api/admin/datasets/products", json=rule)
    assert answer.status_code == 200, answer.text
    try:
        page.goto("/")
        pick(page, api, "products", wait=False)
        expect(page.locator("#rls-empty")).to_be_visible(timeout=TIMEOUT_MS)
        _on_screen(page, "#rls-empty")
        _check_layout(page, "body", modal=False)
        _shot(page, "rls-empty", size)
    finally:
        answer = api.patch("/api/admin/datasets/products", json={"rls": None})
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_number_screens_fit_and_show_what_they_are_for(
    browser: Browser, ui_url: str, api: httpx.Client, size
):
    """The screens of trustworthy numbers: money with its Total row and grouped pills, the
    column summary, a chart with a series and a pie with its legend, Reset All's Undo, a date
    grouped by month, a failed Apply with its inline error, and the RLS notice."""
    context = browser.new_context(base_url=ui_url, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # Esc after edits asks to discard them
    try:
        login(page, "admin", ADMIN_PASSWORD)
        page.goto(f"/reports/{_money_report(api)}")
        _money_grid(page, size)
        _charts(page, size)
        _reset_toast(page, size)
        _date_bucket_and_failed_apply(page, size)
        _rls_notice(page, api, size)
    finally:
        context.close()
