"""The Insights panel beside a chart: its findings as sentences with the right numbers, and
a click that opens the finding's own query in the explorer."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, expect_page, login, page_of

pytestmark = pytest.mark.e2e


def _daily_revenue(api: httpx.Client) -> dict[str, Any]:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    newest = options["MONTH_END"][0]["load_id"]
    return {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": newest},
        "group_by": [{"column": "order_date", "bucket": "day"}],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "total_revenue"}],
        "sort": [{"column": "order_date_day", "direction": "asc"}],
    }


def _day_total(api: httpx.Client, spec: dict[str, Any], day: str) -> float:
    """The day's revenue by an ordinary query: the insight's number checked apart from it."""
    one_day = {"conditions": [{"column": "order_date", "operator": "=", "value": day}]}
    result = page_of(api, {**spec, "group_by": [], "sort": [], "filters": one_day})
    return float(result["rows"][0][0])


def test_an_insight_shows_its_value_and_opens_its_query(page: Page, api: httpx.Client) -> None:
    spec = _daily_revenue(api)
    answer = api.post("/api/insights", json={"spec": {**spec, "page_size": 50}})
    assert answer.status_code == 200, answer.text
    anomaly = next(f for f in answer.json()["findings"] if f["kind"] == "anomaly")
    value = _day_total(api, spec, anomaly["date"])
    assert anomaly["value"] == pytest.approx(value)
    body = {"name": f"Insights {uuid.uuid4().hex[:8]}", "spec": spec}
    made = api.post("/api/reports", json=body)
    assert made.status_code == 201, made.text

    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{made.json()['id']}")
    expect(page.locator("#grid [role=gridcell]").first).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#chart-open")
    page.click("#insights-open")
    sentence = page.locator("#insights-panel .insight-finding", has_text=anomaly["date"])
    expect(sentence).to_be_visible(timeout=TIMEOUT_MS)
    expect(sentence).to_contain_text(f"was {value:,.2f}".replace(".00", ""))
    expect(sentence).to_contain_text(anomaly["text"])

    sentence.click()
    shown = page_of(api, anomaly["spec"])
    expect_page(page, shown, "order_date_day", "total_revenue")
    days = [row[0] for row in shown["rows"]]
    assert days[0] < anomaly["date"] < days[-1]  # the days around it, the anomaly among them
