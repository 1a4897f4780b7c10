"""Numbers users can trust: the demo's amounts in one currency, a dataset that
opens on one load, totals rows, date buckets and column summaries. Expected texts are
literals, or the API's numbers formatted here, never with the UI's own formatter."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
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


def _duck(warehouse: Path, load_id: int, sql: str) -> list[tuple[Any, ...]]:
    """Raw DuckDB over the sales Parquet files the API reads, narrowed to one month-end load
    as view `sales`: what the grid must show, computed without the product."""
    con = duckdb.connect()
    try:
        files = str(warehouse / SALES / "**" / "*.parquet")
        con.execute(
            f"CREATE VIEW sales AS SELECT * FROM read_parquet('{files}', hive_partitioning = true) "
            f"WHERE load_type = 'MONTH_END' AND load_id = {int(load_id)}"
        )
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _newest_month_end(api: httpx.Client) -> int:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return int(options["MONTH_END"][0]["load_id"])


def _report(api: httpx.Client, spec: dict[str, Any]) -> str:
    made = api.post("/api/reports", json={"name": f"Numbers {uuid.uuid4().hex[:8]}", "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _texts(locator: Any) -> list[str]:
    return [str(t).strip() for t in locator.evaluate_all("els => els.map(e => e.textContent)")]


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


def test_whole_number_sums_and_counts_show_no_decimals(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    """SUM of an INTEGER column (DECIMAL(38,0) in DuckDB) and COUNT read as whole numbers in
    the grid, the totals row, the HAVING pill and the chart's axis and tooltips."""
    load_id = _newest_month_end(api)
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": load_id},
        "group_by": ["region"],
        "measures": [
            {"column": "quantity", "agg": "sum", "alias": "units"},
            {"agg": "count", "alias": "orders"},
        ],
        "filters": {
            "op": "and",
            "conditions": [{"column": "units", "operator": ">", "value": 1000}],
        },
        "sort": [{"column": "region", "direction": "asc"}],
    }
    rows = _duck(
        warehouse,
        load_id,
        "SELECT region, SUM(quantity), COUNT(*) FROM sales GROUP BY region "
        "HAVING SUM(quantity) > 1000 ORDER BY region NULLS LAST",
    )
    whole = [(f"{int(u):,}", f"{int(n):,}") for _, u, n in rows]
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{_report(api, spec)}")
    expect(cells(page, "units")).to_have_text([u for u, _ in whole], timeout=TIMEOUT_MS)
    expect(cells(page, "orders")).to_have_text([n for _, n in whole])
    total = page.locator("#grid .ag-grid-pinned-bottom-rows [role=row]")
    units_total = sum(int(u) for _, u, _ in rows)
    expect(total.locator('[col-id="units"]')).to_have_text(f"{units_total:,}", timeout=TIMEOUT_MS)
    expect(total.locator('[col-id="orders"]')).to_have_text(f"{sum(n for *_, n in rows):,}")
    expect(page.locator("#filter-pills .filter-pill")).to_have_text(["Units > 1,000"])

    page.click("#chart-open")
    page.select_option("#chart-y", "units")
    bars = page.locator("#chart-panel .recharts-bar-rectangle path")
    expect(bars).to_have_count(len(rows), timeout=TIMEOUT_MS)
    ticks = page.locator(
        "#chart-panel .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value"
    )
    expect(ticks.first).to_be_visible(timeout=TIMEOUT_MS)
    plain = [t for t in _texts(ticks) if not t.endswith(("K", "M", "B"))]
    assert plain and not [t for t in plain if "." in t], plain
    bars.first.hover()
    tip = page.locator("#chart-panel .recharts-default-tooltip .recharts-tooltip-item-value")
    expect(tip).to_have_text([whole[0][0]], timeout=TIMEOUT_MS)


def _months(warehouse: Path, load_id: int) -> list[tuple[str, str]]:
    """Each month of the load as DuckDB names it (`Jan 2022`), with its rows as the grid
    writes a count: what grouping order dates by month must show."""
    rows = _duck(
        warehouse,
        load_id,
        "SELECT strftime(date_trunc('month', order_date), '%b %Y'), COUNT(*) FROM sales "
        "GROUP BY date_trunc('month', order_date) ORDER BY date_trunc('month', order_date)",
    )
    return [(str(month), f"{int(n):,}") for month, n in rows]


def test_order_dates_grouped_by_month_read_as_duckdbs_months_and_come_back_with_the_report(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    months = _months(warehouse, _newest_month_end(api))
    assert len(months) > 20, months
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", "order_date")
    pill = page.locator("#aggregate-group-by .group-pill")
    expect(pill).to_have_count(1, timeout=TIMEOUT_MS)
    pill.locator(".group-bucket").select_option("month")
    expect(pill).to_contain_text("Order date (month)", timeout=TIMEOUT_MS)
    page.click("#aggregate-apply")
    expect(page.locator("#aggregate-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(header(page, "Order date (month)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(cells(page, "order_date_month")).to_have_text([m for m, _ in months])
    expect(cells(page, "row_count")).to_have_text([n for _, n in months])

    page.click("#chart-open")
    expect(page.locator("#chart-x")).to_have_value("order_date_month", timeout=TIMEOUT_MS)
    expect(page.locator("#chart-x option:checked")).to_have_text("Order date (month)")
    bars = page.locator("#chart-panel .recharts-bar-rectangle path")
    expect(bars).to_have_count(20, timeout=TIMEOUT_MS)  # the chart's default limit
    bars.first.hover()
    tip = page.locator("#chart-panel .recharts-default-tooltip")
    expect(tip.locator(".recharts-tooltip-label")).to_have_text(months[0][0], timeout=TIMEOUT_MS)
    expect(tip.locator(".recharts-tooltip-item-value")).to_have_text([months[0][1]])

    page.click("#report-save")
    page.fill("#report-name", f"By month {uuid.uuid4().hex[:6]}")
    page.click("#report-save-submit")
    page.wait_for_url("**/reports/*", timeout=TIMEOUT_MS)
    report = api.get(f"/api/reports/{page.url.rstrip('/').rsplit('/', 1)[-1]}").json()
    saved = [{k: v for k, v in g.items() if v is not None} for g in report["spec"]["group_by"]]
    assert saved == [{"column": "order_date", "bucket": "month"}]
    assert report["chart"]["x"] == "order_date_month"

    # The deep link in a new tab (a session of its own: it signs in, then lands on the report).
    fresh = page.context.new_page()
    fresh.goto(page.url)
    fresh.wait_for_url("**/login**", timeout=TIMEOUT_MS)
    fresh.fill("#login-username", "admin")
    fresh.fill("#login-password", ADMIN_PASSWORD)
    fresh.click("#login-submit")
    expect(header(fresh, "Order date (month)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(cells(fresh, "order_date_month")).to_have_text([m for m, _ in months])
    expect(fresh.locator("#chart-x")).to_have_value("order_date_month", timeout=TIMEOUT_MS)
    fresh.click("#aggregate-open")
    expect(fresh.locator("#aggregate-group-by .group-pill .group-bucket")).to_have_value("month")
    fresh.keyboard.press("Escape")
    expect(fresh.locator("#aggregate-modal")).to_have_count(0, timeout=TIMEOUT_MS)

    # A click on a month's bar keeps that month: its first to its last day.
    fresh.locator("#chart-panel .recharts-bar-rectangle path").nth(1).click()
    expect(fresh.locator("#filter-pills .filter-pill")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(cells(fresh, "order_date_month")).to_have_text([months[1][0]], timeout=TIMEOUT_MS)
    expect(cells(fresh, "row_count")).to_have_text([months[1][1]])
