"""Small steps the end-to-end tests share: sign in, pick, read the grid, ask the API."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

SALES = "global_sales"
TIMEOUT_MS = 20_000
# The grid's display rules written out here, not imported from aurora.formatting: a
# formatting regression in the product must not be on both sides of an assertion.
INTEGER = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$")
FRACTIONAL = re.compile(r"^(DECIMAL|DOUBLE|FLOAT|REAL)\b")
SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5"}


def wait_hydrated(page: Page, selector: str) -> None:
    """Wait until React has taken over the prerendered element: before that, a click on the
    sign-in button submits the bare HTML form (a GET of /login with the fields in the
    address) instead of signing in."""
    page.wait_for_function(
        """(sel) => { const el = document.querySelector(sel);
            return !!el && Object.keys(el).some((k) => k.startsWith("__reactProps")); }""",
        arg=selector,
        timeout=TIMEOUT_MS,
    )


def login(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    wait_hydrated(page, "#login-submit")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    expect(page.locator("#user-menu")).to_be_visible(timeout=TIMEOUT_MS)


def dataset_detail(api: httpx.Client, key: str = SALES) -> dict[str, Any]:
    answer = api.get(f"/api/datasets/{key}")
    answer.raise_for_status()
    detail: dict[str, Any] = answer.json()
    return detail


def label_of(api: httpx.Client, key: str = SALES) -> str:
    return str(dataset_detail(api, key)["label"])


def pick(page: Page, api: httpx.Client, key: str = SALES, *, wait: bool = True) -> None:
    page.locator("#dataset-picker [role=option]", has_text=label_of(api, key)).first.click()
    expect(page.locator("#grid")).to_be_visible(timeout=TIMEOUT_MS)
    if wait:
        expect(page.locator("#grid [role=gridcell]").first).to_be_visible(timeout=TIMEOUT_MS)


def query(api: httpx.Client, spec: dict[str, Any]) -> httpx.Response:
    return api.post("/api/query", json={"page": 1, "page_size": 50, **spec})


def page_of(api: httpx.Client, spec: dict[str, Any]) -> dict[str, Any]:
    """The page with its total, as the grid shows it once the count came (a page may answer
    before its count, `total_pending`; the grid then asks POST /api/count)."""
    answer = query(api, spec)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    if result.get("total_pending"):
        counted = api.post("/api/count", json=spec)
        assert counted.status_code == 200, counted.text
        result["total_rows"] = counted.json()["total_rows"]
    return result


def base_spec(api: httpx.Client, key: str = SALES) -> dict[str, Any]:
    """The spec the UI sends right after a dataset is picked."""
    return {"dataset": key, "columns": [c["name"] for c in dataset_detail(api, key)["columns"]]}


def display(value: Any, sql_type: str, fmt: str | None = None, name: str = "") -> str:
    """One API cell as the grid shows it: `null`; numbers with thousands separators and two
    decimals (integers none, ids plain); dates `31 Jan 2024`; booleans Yes/No. Only the
    column formats these tests set are known; any other fails the test, not guesses."""
    if value is None:
        return "null"
    if sql_type == "BOOLEAN":
        return "Yes" if value else "No"
    if sql_type == "DATE":
        return dt.date.fromisoformat(value).strftime("%d %b %Y")
    if sql_type.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat(value).strftime("%d %b %Y %H:%M:%S")
    if INTEGER.match(sql_type) and not fmt:
        plain = name == "id" or name.endswith(("_id", "_key"))
        return str(value) if plain else f"{int(value):,}"
    if FRACTIONAL.match(sql_type) or INTEGER.match(sql_type):
        return _number(Decimal(str(value)), fmt)
    assert not fmt, f"the test has no display rule for format {fmt!r}"
    return str(value)


def _number(number: Decimal, fmt: str | None) -> str:
    if not fmt or fmt in ("currency", "decimal", "number"):
        return f"{number:,.2f}"
    kind, _, arg = fmt.partition(":")
    if kind == "currency":
        sign = "-" if number < 0 else ""
        return f"{sign}{SYMBOLS.get(arg, arg + ' ')}{abs(number):,.2f}"
    if kind == "decimal":
        return f"{number:,.{int(arg)}f}"
    if kind == "percent":
        return f"{number * 100:,.{int(arg or 1)}f}%"
    assert fmt == "integer", f"the test has no display rule for format {fmt!r}"
    return f"{number:,.0f}"


def shown(result: dict[str, Any], column: str, formats: dict[str, str] | None = None) -> list[str]:
    """A result column as the grid shows it (formatted; nulls as `null`)."""
    names = [c["name"] for c in result["columns"]]
    at = names.index(column)
    col = result["columns"][at]
    fmt = (formats or {}).get(column) or col.get("format")
    return [display(row[at], col["type"].upper(), fmt, column) for row in result["rows"]]


def expected_range(result: dict[str, Any]) -> str:
    """`1-50 of 1,234` (with an en dash), `1-50` while the total is unknown, `0 rows`."""
    shown_rows, total = len(result["rows"]), result["total_rows"]
    if shown_rows == 0:
        return "0 rows" if not total else f"0 of {total:,}"
    first = (result["page"] - 1) * result["page_size"] + 1
    span = f"{first:,}\u2013{first + shown_rows - 1:,}"
    return span if total is None else f"{span} of {total:,}"


def cells(page: Page, column: str) -> Locator:
    return page.locator(
        f'#grid [role=row][row-index]:not(.ag-row-pinned) [role=gridcell][col-id="{column}"]'
    )


def headers(page: Page) -> Locator:
    return page.locator("#grid [role=columnheader] .ag-header-cell-text")


def header(page: Page, label: str) -> Locator:
    return page.locator("#grid [role=columnheader]", has=page.get_by_text(label, exact=True))


def expect_page(page: Page, result: dict[str, Any], *columns: str) -> None:
    """The grid shows this API answer: the same row range and the same cell values."""
    expect(page.locator("#row-range")).to_have_text(expected_range(result), timeout=TIMEOUT_MS)
    for column in columns:
        expect(cells(page, column)).to_have_text(shown(result, column), timeout=TIMEOUT_MS)


def open_sales(page: Page, api: httpx.Client) -> dict[str, Any]:
    """Pick the sales dataset and its newest month-end load; the spec the grid now shows.

    A load is chosen explicitly because the test API's cost gate refuses the whole table.
    """
    pick(page, api, SALES, wait=False)
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    newest = options["MONTH_END"][0]["load_id"]
    page.select_option("#vintage-load-type", "MONTH_END")
    spec = {**base_spec(api), "vintage": {"load_type": "MONTH_END", "load_id": newest}}
    expect_page(page, page_of(api, spec), "order_id")
    return spec


def expect_outcome(page: Page, api: httpx.Client, spec: dict[str, Any], *columns: str) -> None:
    """The page shows the API's answer for `spec`: its rows, or its error in the banner."""
    answer = query(api, spec)
    if answer.status_code == 200:
        expect_page(page, answer.json(), *columns)
        expect(page.locator("#error-banner")).to_have_count(0)
        return
    message = answer.json()["error"]["message"]
    expect(page.locator("#error-banner")).to_contain_text(message, timeout=TIMEOUT_MS)


def all_rows(api: httpx.Client, spec: dict[str, Any]) -> dict[str, Any]:
    """Every row of `spec` in the API's order, read in pages of 1,000: `columns` and `rows`."""
    rows: list[list[Any]] = []
    page = 1
    while True:
        result = page_of(api, {**spec, "page": page, "page_size": 1000})
        rows += result["rows"]
        if len(result["rows"]) < 1000:
            return {"columns": result["columns"], "rows": rows}
        page += 1


def metric_total(api: httpx.Client, name: str, **labels: str) -> float:
    """The sum of a Prometheus series from the API's /metrics over the samples whose labels
    include `labels` (e.g. `aurora_query_seconds_count`)."""
    answer = api.get("/metrics")
    answer.raise_for_status()
    total = 0.0
    for line in answer.text.splitlines():
        if not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        head, _, rest = series.partition("{")
        if head != name:
            continue
        if all(f'{key}="{wanted}"' in rest for key, wanted in labels.items()):
            total += float(value)
    return total
