"""The pivot view: rows, columns and values from pick lists; its numbers, totals, children,
the rows behind a number and its export are raw DuckDB's over the same Parquet files, and
the report's numbers the explorer query's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, display, login

pytestmark = pytest.mark.e2e


def _money(value: Any) -> str:
    """A sum of money as the pivot writes it (the test's own format, not the product's)."""
    return "" if value is None else f"{Decimal(str(value)):,.2f}"


def _duck(warehouse: Path, load_id: int, sql: str) -> list[tuple[Any, ...]]:
    """Raw DuckDB over the sales Parquet files the API reads, narrowed to one month-end load
    as view `sales`."""
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


def _cross_tab(warehouse: Path, load_id: int, by: str, where: str = "TRUE") -> list[list[str]]:
    """Rows of the revenue cross-tab by `by` x channel with the row total, as the pivot shows
    them: the label, one cell per channel, the total."""
    channels = [c for (c,) in _duck(warehouse, load_id, "SELECT DISTINCT channel FROM sales")]
    sums = ", ".join(f"SUM(revenue) FILTER (WHERE channel = '{c}')" for c in sorted(channels))
    sql = (
        f"SELECT {by}, {sums}, SUM(revenue) FROM sales WHERE {where} "
        "GROUP BY 1 ORDER BY 1 NULLS LAST"
    )
    return [[str(r[0]), *map(_money, r[1:])] for r in _duck(warehouse, load_id, sql)]


def _pivot_layout(page: Page, load_id: int) -> None:
    page.click("#nav-pivot")
    page.select_option("#pivot-dataset", SALES)
    page.select_option("#pivot-load-type", "MONTH_END")
    expect(page.locator("#pivot-load-id")).to_have_value(str(load_id))
    page.select_option("#pivot-rows-add", "region")
    page.select_option("#pivot-rows-add", "country")
    page.select_option("#pivot-cols-add", "channel")
    page.select_option("#pivot-value-agg", "sum")
    page.select_option("#pivot-value-column", "revenue")
    page.click("#pivot-value-add")


def _row_texts(rows: Locator) -> list[list[str]]:
    return [
        [
            row.locator(".pivot-label").inner_text().strip(),
            *row.locator(".pivot-cell").all_inner_texts(),
        ]
        for row in rows.all()
    ]


def test_pivot_rows_columns_totals_and_children_are_duckdbs_cross_tab(
    page: Page, api: httpx.Client, warehouse: Path
):
    load_id = _newest_month_end(api)
    login(page, "admin", ADMIN_PASSWORD)
    _pivot_layout(page, load_id)

    by_region = _cross_tab(warehouse, load_id, "region")
    grand = _cross_tab(warehouse, load_id, "'Grand total'")
    view = page.locator("#pivot-view")
    rows = view.locator("tbody .pivot-row")
    expect(rows).to_have_count(len(by_region) + 1, timeout=TIMEOUT_MS)
    expect(view.locator("thead tr").first.locator("th")).to_have_text(
        ["", "Direct", "Online", "Partner", "Retail", "Total"]
    )
    expect(rows.locator(".pivot-label")).to_have_text([r[0] for r in by_region] + ["Grand total"])
    assert _row_texts(rows) == by_region + grand

    first = by_region[0][0]
    rows.first.locator(".pivot-expand").click()
    children = view.locator('tbody .pivot-row[data-level="1"]')
    countries = _cross_tab(warehouse, load_id, "country", f"region = '{first}'")
    expect(children).to_have_count(len(countries), timeout=TIMEOUT_MS)
    assert _row_texts(children) == countries
    rows.first.locator(".pivot-expand").click()
    expect(children).to_have_count(0, timeout=TIMEOUT_MS)


def _drill_expected(
    api: httpx.Client, warehouse: Path, load_id: int, where: str
) -> tuple[list[str], dict[str, list[str]]]:
    """The drill-down's headers (the dataset's labels) and every row behind the cell by its
    order id, each cell as the drill table writes it (an empty cell for null)."""
    columns = dataset_detail(api)["columns"]
    names = [c["name"] for c in columns]
    select = ", ".join(names)
    rows = _duck(warehouse, load_id, f"SELECT {select} FROM sales WHERE {where}")
    types = {c["name"]: c["type"].upper() for c in columns}
    by_id = {}
    for row in rows:
        cells = [
            "" if v is None else display(_iso(v), types[n], None, n)
            for v, n in zip(row, names, strict=True)
        ]
        by_id[cells[names.index("order_id")]] = cells
    return [c["label"] for c in columns], by_id


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def test_a_pivot_cell_drills_to_duckdbs_rows_and_exports_the_cross_tab(
    page: Page, api: httpx.Client, warehouse: Path
):
    load_id = _newest_month_end(api)
    login(page, "admin", ADMIN_PASSWORD)
    _pivot_layout(page, load_id)
    rows = page.locator("#pivot-view tbody .pivot-row")
    by_region = _cross_tab(warehouse, load_id, "region")
    expect(rows).to_have_count(len(by_region) + 1, timeout=TIMEOUT_MS)

    region = by_region[0][0]
    rows.first.locator(".pivot-cell").first.click()  # first region x Direct
    drill = page.locator("#pivot-drill")
    expect(drill).to_be_visible(timeout=TIMEOUT_MS)
    headers, behind = _drill_expected(
        api, warehouse, load_id, f"region = '{region}' AND channel = 'Direct'"
    )
    drill_rows = drill.locator(".drill-row")
    expect(drill_rows).to_have_count(min(50, len(behind)), timeout=TIMEOUT_MS)
    expect(drill.locator("thead th")).to_have_text(headers)
    at = [c["name"] for c in dataset_detail(api)["columns"]].index("order_id")
    shown_rows = [r.locator("td").all_inner_texts() for r in drill_rows.all()]
    assert len({r[at] for r in shown_rows}) == len(shown_rows)  # no row twice
    for row in shown_rows:
        assert row == behind[row[at]]
    page.keyboard.press("Escape")

    header, *body = _exported_csv(page)
    assert header == [
        "Region",
        "Direct \u00b7 sum_revenue",
        "Online \u00b7 sum_revenue",
        "Partner \u00b7 sum_revenue",
        "Retail \u00b7 sum_revenue",
    ]
    want = [r[:-1] for r in by_region]  # the file has no total column
    assert [[c[0], *map(_money, c[1:])] for c in body] == want


def _exported_csv(page: Page) -> list[list[str]]:
    page.click("#pivot-export")
    link = page.locator("#pivot-export-download")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    return list(csv.reader(io.StringIO(info.value.path().read_text("utf-8-sig"))))


def _newest_month_end(api: httpx.Client) -> int:
    return int(
        next(
            o["load_ids"][0]["load_id"]
            for o in dataset_detail(api)["vintage"]["options"]
            if o["load_type"] == "MONTH_END"
        )
    )


FILTERS = {
    "op": "and",
    "conditions": [
        {"column": "channel", "operator": "in", "value": ["Online", "Retail"]},
        {"column": "quantity", "operator": ">=", "value": 3},
    ],
}


def _explorer_report(api: httpx.Client, load_id: int) -> tuple[str, dict[str, Any]]:
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": load_id},
        "filters": FILTERS,
        "group_by": ["region"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "sum_revenue"}],
    }
    made = api.post("/api/reports", json={"name": f"To pivot {uuid.uuid4().hex[:6]}", "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"]), spec


def _second_newest(api: httpx.Client) -> int:
    ids = next(
        o["load_ids"]
        for o in dataset_detail(api)["vintage"]["options"]
        if o["load_type"] == "MONTH_END"
    )
    return int(ids[1]["load_id"])  # not the default: a vintage the pivot must be told


def _by_region(api: httpx.Client, spec: dict[str, Any]) -> dict[str, str]:
    answer = api.post("/api/query", json={**spec, "page_size": 100})
    assert answer.status_code == 200, answer.text
    return {str(r[0]): _money(r[1]) for r in answer.json()["rows"]}


def _shown(page: Page) -> dict[str, str]:
    rows = page.locator("#pivot-view tbody .pivot-row:not(.pivot-total)")
    expect(rows.first).to_be_visible(timeout=TIMEOUT_MS)
    labels = rows.locator(".pivot-label").all_inner_texts()
    cells = [r.locator(".pivot-cell").first.inner_text() for r in rows.all()]
    return dict(zip(labels, cells, strict=True))


def test_pivot_this_opens_the_explorers_dataset_filters_and_vintage(page: Page, api: httpx.Client):
    load_id = _second_newest(api)
    report_id, spec = _explorer_report(api, load_id)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{report_id}")
    expect(page.locator("#grid [role=gridcell]").first).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#pivot-this")
    page.wait_for_url("**/pivot", timeout=TIMEOUT_MS)
    expect(page.locator("#pivot-dataset")).to_have_value(SALES)
    expect(page.locator("#pivot-load-type")).to_have_value("MONTH_END")
    expect(page.locator("#pivot-load-id")).to_have_value(str(load_id))
    pills = page.locator("#filter-pills .filter-pill")
    expect(pills).to_have_count(2)
    expect(pills.nth(0)).to_contain_text("Online")
    expect(pills.nth(1)).to_contain_text("3")
    expect(page.locator(".pivot-rows-field")).to_have_text(["Region"])
    expect(page.locator(".pivot-value")).to_have_count(1)
    # The cross-tab's numbers are the explorer query's, group for group.
    want = _by_region(api, spec)
    expect(page.locator("#pivot-view tbody .pivot-row")).to_have_count(len(want) + 1)
    assert _shown(page) == want
    unfiltered = _by_region(api, {**spec, "filters": None})
    assert unfiltered != want  # the filters and the vintage did narrow it

    # Removing a pill widens the pivot, as in the explorer.
    pills.nth(0).get_by_role("button").click()
    expect(pills).to_have_count(1, timeout=TIMEOUT_MS)
    wider = _by_region(
        api, {**spec, "filters": {"op": "and", "conditions": FILTERS["conditions"][1:]}}
    )
    expect(page.locator("#pivot-view tbody .pivot-row .pivot-cell").first).to_have_text(
        next(iter(wider.values())), timeout=TIMEOUT_MS
    )
    assert _shown(page) == wider


def test_the_pivot_has_the_explorers_filter_builder(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    page.click("#nav-pivot")
    page.select_option("#pivot-dataset", SALES)
    page.select_option("#pivot-load-type", "MONTH_END")
    page.select_option("#pivot-rows-add", "region")
    page.select_option("#pivot-value-agg", "sum")
    page.select_option("#pivot-value-column", "revenue")
    page.click("#pivot-value-add")
    expect(page.locator("#pivot-view tbody .pivot-row").first).to_be_visible(timeout=TIMEOUT_MS)

    page.click("#pivot-filter-open")
    modal = page.locator("#filter-modal")
    expect(modal).to_be_visible(timeout=TIMEOUT_MS)
    row = modal.locator(".filter-condition").first
    row.locator(".filter-column").select_option("channel")
    row.locator(".filter-operator").select_option("=")
    row.locator(".filter-value").fill("Partner")
    page.wait_for_timeout(400)  # the value input is debounced
    page.click("#filter-apply")
    expect(modal).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.locator("#filter-pills .filter-pill")).to_contain_text(["Partner"])
    newest = next(
        o["load_ids"][0]["load_id"]
        for o in dataset_detail(api)["vintage"]["options"]
        if o["load_type"] == "MONTH_END"
    )
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": newest},
        "filters": {
            "op": "and",
            "conditions": [{"column": "channel", "operator": "=", "value": "Partner"}],
        },
        "group_by": ["region"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "sum_revenue"}],
    }
    want = _by_region(api, spec)
    expect(page.locator("#pivot-view tbody .pivot-row .pivot-cell").first).to_have_text(
        next(iter(want.values())), timeout=TIMEOUT_MS
    )
    assert _shown(page) == want


def test_a_pivot_is_saved_as_a_report_and_restored_by_its_deep_link(
    page: Page, api: httpx.Client, browser: Browser, ui_url: str
):
    load_id = _second_newest(api)
    report_id, _ = _explorer_report(api, load_id)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{report_id}")
    expect(page.locator("#grid [role=gridcell]").first).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#pivot-this")
    page.wait_for_url("**/pivot", timeout=TIMEOUT_MS)
    page.select_option("#pivot-cols-add", "channel")
    expect(page.locator("#pivot-view thead tr").first).to_contain_text("Online", timeout=TIMEOUT_MS)
    header = page.locator("#pivot-view thead tr").first.locator("th").all_inner_texts()
    first_row = page.locator("#pivot-view tbody .pivot-row").first.locator("th, td")
    want_row = [t.strip() for t in first_row.all_inner_texts()]

    page.click("#pivot-save")
    name = f"Pivot {uuid.uuid4().hex[:6]}"
    page.fill("#report-name", name)
    page.click("#report-save-submit")
    page.wait_for_url("**/pivot?report=*", timeout=TIMEOUT_MS)
    pivot_id = page.url.rsplit("=", 1)[-1]
    saved = api.get(f"/api/reports/{pivot_id}").json()
    assert saved["kind"] == "pivot" and saved["chart"] == {"kind": "pivot", "columns": ["channel"]}
    assert saved["spec"]["vintage"]["load_id"] == load_id
    assert saved["spec"]["group_by"] == ["region", "channel"]
    assert saved["spec"]["filters"]["conditions"][0]["column"] == "channel"
    expect(page.locator("#pivot-title")).to_have_text(name)

    fresh = browser.new_context(base_url=ui_url, viewport={"width": 1366, "height": 768})
    try:
        other = fresh.new_page()
        login(other, "admin", ADMIN_PASSWORD)
        other.goto(f"/reports/{pivot_id}")
        other.wait_for_url(f"**/pivot?report={pivot_id}", timeout=TIMEOUT_MS)
        expect(other.locator("#pivot-title")).to_have_text(name, timeout=TIMEOUT_MS)
        expect(other.locator("#pivot-load-id")).to_have_value(str(load_id))
        expect(other.locator(".pivot-rows-field")).to_have_text(["Region"])
        expect(other.locator(".pivot-cols-field")).to_have_text(["Channel"])
        expect(other.locator("#filter-pills .filter-pill")).to_have_count(2)
        expect(other.locator("#pivot-view tbody .pivot-row").first.locator("th, td")).to_have_text(
            want_row, timeout=TIMEOUT_MS
        )
        assert other.locator("#pivot-view thead tr").first.locator("th").all_inner_texts() == header
    finally:
        fresh.close()


# Each option of a select, as wide as the browser draws it in the closed select (the
# select's own font, its padding, room for the arrow), against the select's box: a chosen
# value that would not fit shows cut ("MONTH_EN…").
_CLIPPED_JS = """
(sel) => {
  const s = document.querySelector(sel);
  const ctx = document.createElement('canvas').getContext('2d');
  const style = getComputedStyle(s);
  ctx.font = style.font;
  const pad = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 18;  // arrow
  return [...s.options].map(o => ({text: o.text, selected: o.selected,
                                   need: ctx.measureText(o.text).width + pad,
                                   have: s.clientWidth}));
}
"""


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_pivots_vintage_selects_show_their_whole_choice(
    page: Page, api: httpx.Client, size: tuple[int, int]
):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, "admin", ADMIN_PASSWORD)
    page.click("#nav-pivot")
    page.select_option("#pivot-dataset", SALES)
    types = [o["load_type"] for o in dataset_detail(api)["vintage"]["options"]]
    longest = max(types, key=len)
    page.select_option("#pivot-load-type", longest)
    expect(page.locator("#pivot-load-type")).to_have_value(longest, timeout=TIMEOUT_MS)
    expect(page.locator("#pivot-load-id")).to_be_enabled(timeout=TIMEOUT_MS)
    for select in ("#pivot-load-type", "#pivot-load-id"):
        options = page.evaluate(_CLIPPED_JS, select)
        assert len(options) > 1 and any(o["selected"] for o in options), options
        cut = [o for o in options if o["need"] > o["have"]]
        assert not cut, cut
