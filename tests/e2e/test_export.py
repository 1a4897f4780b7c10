"""The export dialog: what you see is what you export, in CSV and Excel, downloaded, every
cell equal to the API's rows for what the grid shows. Runs on both server shapes: on the
deployed one the ARQ worker process writes the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD, DeployedShape
from tests.e2e.helpers import TIMEOUT_MS, all_rows, expect_page, login, open_sales, page_of

pytestmark = [pytest.mark.e2e, pytest.mark.deployed]

EXPORT_TIMEOUT_MS = 60_000
INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
FLOATS = ("FLOAT", "DOUBLE", "REAL")
FORMULA_START = tuple("=+-@\t\r")  # text a spreadsheet would run: the CSV prefixes a '


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


def _api_value(value: Any, type_: str) -> Any:
    """An API JSON cell as the value it stands for."""
    if value is None:
        return None
    if type_.startswith("DECIMAL"):
        return Decimal(str(value))
    if type_ == "DATE":
        return dt.date.fromisoformat(value)
    if type_.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat(value)
    if type_ in FLOATS:
        return float(value)
    return value


def _csv_value(text: str, type_: str) -> Any:
    """A CSV field read back by its column's type: `true`/`false`, ISO dates, exact decimals,
    NULL as an empty field."""
    if text == "":
        return None
    if type_.startswith("DECIMAL"):
        return Decimal(text)
    if type_ in INTEGERS:
        return int(text)
    if type_ in FLOATS:
        return float(text)
    if type_ == "BOOLEAN":
        return {"true": True, "false": False}[text]
    if type_ == "DATE":
        return dt.date.fromisoformat(text)
    if type_.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat(text)
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def _xlsx_value(value: Any, type_: str) -> Any:
    """An Excel cell by its column's type (Excel has doubles and date serials only)."""
    if value is None:
        return None
    if type_.startswith("DECIMAL"):
        return Decimal(str(value))
    if type_ == "DATE":
        return value.date()
    if type_ in INTEGERS:
        return int(value)
    return value


def _expected(api: httpx.Client, spec: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The column types and every row of `spec` from the API, as values."""
    answer = all_rows(api, spec)
    types = [c["type"] for c in answer["columns"]]
    rows = [[_api_value(v, t) for v, t in zip(row, types, strict=True)] for row in answer["rows"]]
    return types, rows


def test_export_limits_show_before_the_job_and_csv_and_excel_download(
    page: Page, api: httpx.Client, deployed: DeployedShape | None
):
    worker_runs = deployed.finished_exports() if deployed is not None else 0
    login(page, "admin", ADMIN_PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())  # Esc after edits asks to discard them
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
    assert 0 < result["total_rows"] < 50_000
    types, expected = _expected(api, shown)
    assert len(expected) == result["total_rows"]
    labels = [c["label"] for c in result["columns"]]

    page.click("#export-open")
    page.select_option("#export-format", "csv")
    page.fill("#export-filename", "japan sales")
    page.click("#export-start")
    header, *body = list(csv.reader(io.StringIO(_download(page).decode("utf-8-sig"))))
    assert header == labels and "Cost" not in header
    got = [[_csv_value(v, t) for v, t in zip(row, types, strict=True)] for row in body]
    assert got == expected

    page.select_option("#export-format", "xlsx")
    page.click("#export-start")
    expect(page.locator("#export-download")).to_have_count(0, timeout=TIMEOUT_MS)
    book = openpyxl.load_workbook(io.BytesIO(_download(page)), read_only=True)
    header_row, *sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(header_row) == labels
    got = [[_xlsx_value(v, t) for v, t in zip(row, types, strict=True)] for row in sheet]
    assert got == expected
    if deployed is not None:  # both files were written by the ARQ worker process
        assert deployed.finished_exports() == worker_runs + 2
