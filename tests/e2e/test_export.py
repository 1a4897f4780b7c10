"""The export dialog: what you see is what you export, in CSV and Excel, downloaded."""

from __future__ import annotations

import csv
import io

import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, expect_page, login, open_sales, page_of

pytestmark = pytest.mark.e2e

EXPORT_TIMEOUT_MS = 60_000


def _quick(text: str, columns: list[str]) -> dict[str, object]:
    return {
        "op": "or",
        "conditions": [{"column": c, "operator": "contains", "value": text} for c in columns],
    }


def _download(page: Page) -> bytes:
    link = page.locator("#export-download")
    expect(link).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
    expect(page.locator("#export-progress")).to_have_attribute("aria-valuenow", "100")
    with page.expect_download(timeout=EXPORT_TIMEOUT_MS) as info:
        link.click()
    path = info.value.path()
    return path.read_bytes()


def test_export_limits_show_before_the_job_and_csv_and_excel_download(
    page: Page, api: httpx.Client
):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    full = page_of(api, spec)["total_rows"]

    # Excel is capped (EXPORT_EXCEL_MAX_ROWS, 50,000 by default): refused before any job
    page.click("#export-open")
    page.select_option("#export-format", "xlsx")
    page.click("#export-start")
    refused = api.post("/api/exports", json={"query": spec, "format": "xlsx"})
    if full > 50_000:
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "export_too_large"
        expect(page.locator("#export-error")).to_have_text(
            refused.json()["error"]["message"], timeout=TIMEOUT_MS
        )
        expect(page.locator("#export-progress")).not_to_be_visible()
    page.keyboard.press("Escape")

    # Narrow the grid; the export follows exactly what is shown, columns included
    page.click("#columns-toggle")
    page.get_by_label("Cost", exact=True).click()
    page.keyboard.press("Escape")
    page.fill("#quick-search", "Japan")
    columns = [c for c in spec["columns"] if c != "cost"]
    text_cols = ["region", "country", "department", "channel", "currency", "load_type"]
    shown = {**spec, "columns": columns, "filters": _quick("Japan", text_cols)}
    result = page_of(api, shown)
    expect_page(page, result, "order_id")
    total = result["total_rows"]
    assert 0 < total < 50_000

    page.click("#export-open")
    page.select_option("#export-format", "csv")
    page.fill("#export-filename", "japan sales")
    page.click("#export-start")
    rows = list(csv.reader(io.StringIO(_download(page).decode("utf-8-sig"))))
    assert len(rows) == total + 1
    assert len(rows[0]) == len(columns)
    assert "Cost" not in rows[0] and "cost" not in rows[0]

    page.select_option("#export-format", "xlsx")
    page.click("#export-start")
    expect(page.locator("#export-download")).to_have_count(0, timeout=TIMEOUT_MS)
    book = openpyxl.load_workbook(io.BytesIO(_download(page)), read_only=True)
    sheet = book.worksheets[0]
    assert sheet.max_row == total + 1
    assert sheet.max_column == len(columns)
