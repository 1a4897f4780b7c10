"""The pivot view: rows, columns and values from pick lists; the numbers, subtotals and
totals are the AG Grid endpoints' answers; a click on a number shows the rows behind it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from aurora import pivot as pv
from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login

pytestmark = pytest.mark.e2e


def _grid(api: httpx.Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post(f"/api/datasets/{SALES}/{endpoint}", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _money(value: Any) -> str:
    return pv.cell(value, "decimal")


def test_pivot_rows_columns_values_totals_expand_and_drill(page: Page, api: httpx.Client):
    newest = next(
        o["load_ids"][0]["load_id"]
        for o in dataset_detail(api)["vintage"]["options"]
        if o["load_type"] == "MONTH_END"
    )
    login(page, "admin", ADMIN_PASSWORD)
    page.click("#nav-pivot")
    page.select_option("#pivot-dataset", SALES)
    page.select_option("#pivot-load-type", "MONTH_END")
    expect(page.locator("#pivot-load-id")).to_have_value(str(newest))
    page.select_option("#pivot-rows-add", "region")
    page.select_option("#pivot-rows-add", "country")
    page.select_option("#pivot-cols-add", "channel")
    page.select_option("#pivot-value-agg", "sum")
    page.select_option("#pivot-value-column", "revenue")
    page.click("#pivot-value-add")

    layout = pv.Layout(
        dataset=SALES,
        rows=["region", "country"],
        columns=["channel"],
        values=[pv.ValueCfg(id="sum_revenue", column="revenue", agg="sum")],
        vintage={"load_type": "MONTH_END", "load_id": newest},
    )
    top = _grid(api, "pivot", pv.request(layout, []))
    totals = _grid(api, "table", pv.request(layout, [], pivot=False))
    fields = top["pivotResultFields"]
    view = page.locator("#pivot-view")
    rows = view.locator("tbody .pivot-row")
    expect(rows).to_have_count(len(top["rowData"]) + 1, timeout=TIMEOUT_MS)
    channels = [pv.split_field(f)[0][0] for f in fields]
    expect(view.locator("thead tr").first.locator("th")).to_have_text(["", *channels, "Total"])
    labels = [str(r["region"]) for r in top["rowData"]]
    expect(rows.locator(".pivot-label")).to_have_text([*labels, "Grand total"])

    first = rows.first.locator(".pivot-cell")
    want = [_money(top["rowData"][0][f]) for f in fields]
    want.append(_money(totals["rowData"][0]["revenue"]))
    expect(first).to_have_text(want)
    grand = rows.last.locator(".pivot-cell")
    grand_want = [_money(top["grandTotalData"][f]) for f in fields]
    grand_want.append(_money(totals["grandTotalData"]["revenue"]))
    expect(grand).to_have_text(grand_want)

    rows.first.locator(".pivot-expand").click()
    below = _grid(api, "pivot", pv.request(layout, [labels[0]]))
    children = view.locator('tbody .pivot-row[data-level="1"]')
    expect(children).to_have_count(len(below["rowData"]), timeout=TIMEOUT_MS)
    expect(children.locator(".pivot-label")).to_have_text(
        [str(r["country"]) for r in below["rowData"]]
    )
    rows.first.locator(".pivot-expand").click()
    expect(children).to_have_count(0, timeout=TIMEOUT_MS)

    first.first.click()  # first region x first channel
    drill = page.locator("#pivot-drill")
    expect(drill).to_be_visible(timeout=TIMEOUT_MS)
    behind = _grid(
        api,
        "drilldown",
        {**pv.request(layout, [labels[0]]), "pivotKeys": [channels[0]], "endRow": 50},
    )
    drill_rows = drill.locator(".drill-row")
    expect(drill_rows).to_have_count(len(behind["rowData"]), timeout=TIMEOUT_MS)
    for text in drill_rows.all_inner_texts()[:10]:
        assert labels[0] in text and channels[0] in text
    page.keyboard.press("Escape")

    page.click("#pivot-export")
    link = page.locator("#pivot-export-download")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    header = info.value.path().read_text().splitlines()[0]
    assert header.lower().startswith('"region"') and channels[0] in header
