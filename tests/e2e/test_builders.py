"""The filter, aggregation and calculated-field builders, checked against the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import (
    TIMEOUT_MS,
    cells,
    expect_page,
    headers,
    login,
    open_sales,
    page_of,
    query,
)

pytestmark = pytest.mark.e2e


def _condition(page: Page, n: int) -> Locator:
    return page.locator("#filter-modal .filter-condition").nth(n)


def _set(row: Locator, column: str, operator: str) -> None:
    """Choose a column and operator, and wait until the value editor follows them."""
    row.locator(".filter-column").select_option(column)
    expect(row.locator(".filter-column")).to_have_value(column)
    row.locator(".filter-operator").select_option(operator)
    expect(row.locator(".filter-operator")).to_have_value(operator)
    editor = {"in": "textarea", "not_in": "textarea", "between": "input >> nth=1"}
    if operator not in ("is_null", "is_not_null"):
        expect(row.locator(editor.get(operator, "input"))).to_be_visible()


def test_nested_and_or_filter_with_a_pasted_list_and_a_date_range(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.click("#filter-open")
    expect(page.locator("#filter-modal")).to_be_visible()

    first = _condition(page, 0)
    _set(first, "region", "in")
    first.locator("textarea").fill("North\nSouth, East")
    page.click("#filter-add-group")
    group = page.locator("#filter-modal .filter-group").nth(1)
    group.locator(".filter-group-op").select_option("or")
    second = _condition(page, 1)
    _set(second, "order_date", "between")
    second.locator("input").nth(0).fill("2023-01-01")
    second.locator("input").nth(1).fill("2023-03-31")
    group.get_by_role("button", name="Condition").click()
    third = _condition(page, 2)
    _set(third, "channel", "=")
    third.locator("input").fill("Online")
    page.click("#filter-apply")
    expect(page.locator("#filter-modal")).to_have_count(
        0, timeout=TIMEOUT_MS
    )  # closes once the query answers

    filters = {
        "op": "and",
        "conditions": [
            {"column": "region", "operator": "in", "value": ["North", "South", "East"]},
            {
                "op": "or",
                "conditions": [
                    {
                        "column": "order_date",
                        "operator": "between",
                        "value": ["2023-01-01", "2023-03-31"],
                    },
                    {"column": "channel", "operator": "=", "value": "Online"},
                ],
            },
        ],
    }
    result = page_of(api, {**spec, "filters": filters})
    assert 0 < result["total_rows"] < page_of(api, spec)["total_rows"]
    expect_page(page, result, "order_id", "region", "channel")
    pills = page.locator("#filter-pills .filter-pill")
    expect(pills).to_have_text(
        [
            "Region is one of North, South, East",
            "(Order date between 01 Jan 2023 and 31 Mar 2023 OR Channel = Online)",
        ]
    )

    pills.nth(0).get_by_role("button").click()  # a pill removes its own condition
    filters["conditions"] = filters["conditions"][1:]
    expect_page(page, page_of(api, {**spec, "filters": filters}), "order_id")
    expect(pills).to_have_count(1)


def test_text_values_are_offered_as_you_type(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#filter-open")
    row = _condition(page, 0)
    _set(row, "country", "=")
    row.locator("input").fill("Jap")
    offered = api.get("/api/datasets/global_sales/values/country", params={"q": "Jap"})
    values = [str(v) for v in offered.json()["values"]]
    assert "Japan" in values
    options = page.locator("#filter-suggestions option")
    expect(options).to_have_count(len(values), timeout=TIMEOUT_MS)
    assert [o.get_attribute("value") for o in options.all()] == values


def test_api_validation_errors_appear_beside_their_condition(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.click("#filter-open")
    row = _condition(page, 0)
    _set(row, "quantity", "in")
    row.locator("textarea").fill("1, two")
    page.click("#filter-apply")
    bad = {
        "op": "and",
        "conditions": [{"column": "quantity", "operator": "in", "value": [1, "two"]}],
    }
    refused = query(api, {**spec, "filters": bad})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["error"]["details"][0]
    assert detail["path"].startswith("filters.conditions[0]")
    expect(page.locator("#filter-modal")).to_be_visible(timeout=TIMEOUT_MS)
    expect(_condition(page, 0).locator(".filter-error")).to_have_text(detail["message"])


def test_aggregate_with_two_group_columns_and_a_measure_filter(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", "region")
    page.select_option("#aggregate-group-add", "channel")
    measure = page.locator("#aggregate-modal .measure-row").nth(0)
    measure.locator(".measure-column").select_option("revenue")
    measure.locator(".measure-agg").select_option("sum")
    expect(measure.locator(".measure-alias")).to_have_value("sum_revenue")
    page.click("#aggregate-apply")

    agg: dict[str, Any] = {
        "dataset": spec["dataset"],
        "vintage": spec["vintage"],
        "group_by": ["region", "channel"],
        "measures": [{"agg": "sum", "alias": "sum_revenue", "column": "revenue"}],
    }
    result = page_of(api, agg)
    labels = [c["label"] for c in result["columns"]]
    expect(headers(page)).to_have_text(labels, timeout=TIMEOUT_MS)
    expect_page(page, result, "region", "channel", "sum_revenue")

    sums = sorted(float(r[2]) for r in result["rows"])
    cut = round(sums[len(sums) // 2])
    page.click("#filter-open")
    row = _condition(page, 0)
    _set(row, "sum_revenue", ">")
    row.locator("input").fill(str(cut))
    page.click("#filter-apply")
    having = {"op": "and", "conditions": [{"column": "sum_revenue", "operator": ">", "value": cut}]}
    filtered = page_of(api, {**agg, "filters": having})
    assert 0 < filtered["total_rows"] < result["total_rows"]
    expect_page(page, filtered, "region", "channel", "sum_revenue")
    shown = [float(v.replace(",", "")) for v in cells(page, "sum_revenue").all_inner_texts()]
    assert all(v > cut for v in shown)


def test_calculated_field_joins_the_grid_and_bad_expressions_are_explained(
    page: Page, api: httpx.Client
):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.click("#calc-open")
    page.fill("#calc-name", "margin")
    page.fill("#calc-expr", "revenue - ")
    page.click("#calc-save")
    bad = query(
        api,
        {**spec, "calculated": [{"name": "margin", "expr": "revenue -"}], "columns": ["margin"]},
    )
    assert bad.status_code == 422
    expect(page.locator("#calc-error")).to_contain_text(
        bad.json()["error"]["message"], timeout=TIMEOUT_MS
    )

    page.fill("#calc-expr", "revenue - cost")
    page.click("#calc-save")
    expect(page.locator("#calc-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    with_calc = {
        **spec,
        "calculated": [{"name": "margin", "expr": "revenue - cost"}],
        "columns": [*spec["columns"], "margin"],
    }
    expect_page(page, page_of(api, with_calc), "margin", "order_id")
