"""Papercuts business users hit daily (issue 17, item 10): blank filter rows, keys in
dialogs, calculated fields named in words, a totals row, labels instead of raw names, and
the column picker's search. Expected texts are literals (or the API's numbers written here)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, header, headers, login, open_sales

pytestmark = pytest.mark.e2e


def _newest(api: httpx.Client) -> int:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return int(options["MONTH_END"][0]["load_id"])


def _report(api: httpx.Client, spec: dict[str, Any]) -> str:
    made = api.post("/api/reports", json={"name": f"Cut {uuid.uuid4().hex[:8]}", "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_new_condition_is_blank_and_blank_rows_are_not_counted(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#filter-open")
    modal = page.locator("#filter-modal")
    expect(modal.get_by_text("0 conditions")).to_be_visible()
    first = modal.locator(".filter-condition").first
    expect(first.locator(".filter-column")).to_have_value("")
    page.click("#filter-add-condition")
    expect(modal.locator(".filter-condition")).to_have_count(2)
    expect(modal.get_by_text("0 conditions")).to_be_visible()
    first.locator(".filter-column").select_option("region")
    first.locator(".filter-operator").select_option("=")
    first.locator("input").fill("West")
    expect(modal.get_by_text("1 condition", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#filter-apply")
    expect(page.locator("#filter-pills .filter-pill")).to_have_text(
        ["Region = West"], timeout=TIMEOUT_MS
    )


def test_enter_applies_a_dialog_and_escape_asks_before_dropping_edits(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#filter-open")
    row = page.locator("#filter-modal .filter-condition").first
    row.locator(".filter-column").select_option("region")
    row.locator(".filter-operator").select_option("=")
    row.locator("input").fill("West")
    row.locator("input").press("Enter")
    expect(page.locator("#filter-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    pills = page.locator("#filter-pills .filter-pill")
    expect(pills).to_have_text(["Region = West"], timeout=TIMEOUT_MS)

    page.click("#filter-open")
    page.locator("#filter-modal .filter-condition input").first.fill("East")
    asked: list[str] = []

    def keep_editing(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", keep_editing)
    page.keyboard.press("Escape")
    expect(page.locator("#filter-modal")).to_be_visible()
    assert asked == ["Discard your changes?"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Escape")
    expect(page.locator("#filter-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(pills).to_have_text(["Region = West"])

    # Unchanged, a dialog closes on Esc without asking.
    page.click("#aggregate-open")
    expect(page.locator("#aggregate-modal")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#aggregate-modal")).to_have_count(0)


def test_a_calculated_field_is_named_in_words(page: Page, api: httpx.Client) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#calc-open")
    page.fill("#calc-name", "Margin %")
    expect(page.locator("#calc-identifier")).to_have_text("margin_pct")
    page.fill("#calc-expr", "revenue - cost")
    page.click("#calc-save")
    expect(header(page, "Margin %")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('#grid [role=columnheader][col-id="margin_pct"]')).to_have_count(1)


def test_an_aggregated_grid_ends_in_a_total_row(page: Page, api: httpx.Client) -> None:
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": _newest(api)},
        "group_by": ["region"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "usd"}],
        "sort": [{"column": "region", "direction": "asc"}],
    }
    rows = api.post("/api/query", json=spec).json()["rows"]
    usd = sum(Decimal(str(r[1])) for r in rows)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{_report(api, spec)}")
    total = page.locator("#grid .ag-grid-pinned-bottom-rows [role=row]")
    expect(total.locator('[col-id="region"]')).to_have_text("Total", timeout=TIMEOUT_MS)
    expect(total.locator('[col-id="usd"]')).to_have_text(f"{usd:,.2f}")


def test_join_preview_and_report_list_name_datasets_and_columns_by_label(
    page: Page, api: httpx.Client
) -> None:
    report_id = _report(api, {"dataset": SALES, "columns": ["order_id", "region"]})
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#join-open")
    page.select_option("#join-add", "employee_roster")
    preview = page.locator("#join-preview thead th")
    expect(preview.first).to_have_text("Order id \u00b7 Global sales", timeout=TIMEOUT_MS)
    expect(page.locator("#join-preview thead")).to_contain_text("Region \u00b7 Employee roster")
    assert not [t for t in preview.all_inner_texts() if "_" in t or "." in t]
    page.keyboard.press("Escape")

    page.goto("/reports")
    row = page.locator(f'#report-list .report-row[data-report-id="{report_id}"]')
    expect(row.locator(".report-dataset")).to_have_text("Global sales", timeout=TIMEOUT_MS)


def test_the_column_picker_finds_columns_and_shows_all_or_none(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#columns-toggle")
    page.fill("#columns-search", "rev")
    listed = page.locator("#columns-list label")
    expect(listed).to_have_text(["Revenue", "Revenue local"])
    page.click("#columns-none")
    expect(headers(page)).not_to_contain_text(["Revenue"], timeout=TIMEOUT_MS)
    expect(headers(page)).to_contain_text(["Order id", "Cost"])
    page.fill("#columns-search", "")
    expect(listed).to_have_count(len(dataset_detail(api)["columns"]))
    page.click("#columns-all")
    expect(headers(page)).to_contain_text(["Revenue", "Revenue local"], timeout=TIMEOUT_MS)


def test_a_column_summary_shows_type_distinct_min_max_empty_and_top_values(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#columns-toggle")
    page.get_by_role("button", name="Summary of Region", exact=True).click()
    panel = page.locator("#column-summary")
    expect(panel.locator(".column-summary-line")).to_have_text(
        [
            "Type VARCHAR",
            re.compile(r"^Rows \d{2},\d{3}$"),
            "Distinct 5",
            "Min Central",
            "Max West",
            "Empty 0",
        ],
        timeout=TIMEOUT_MS,
    )
    expect(panel.locator(".column-summary-top")).to_have_count(5)
    page.click("#column-summary-close")
    expect(panel).to_have_count(0)
