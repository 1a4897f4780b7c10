"""The join builder and saved reports, checked against the API's own answers (charts:
test_charts.py)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import (
    TIMEOUT_MS,
    expect_page,
    headers,
    login,
    open_sales,
    page_of,
)

pytestmark = pytest.mark.e2e

ROSTER_JOIN = {
    "dataset": "employee_roster",
    "type": "left",
    "on": [{"left": "global_sales.employee_id", "right": "employee_roster.employee_id"}],
}


def _add_roster_join(page: Page) -> None:
    page.click("#join-open")
    expect(page.locator("#join-modal")).to_be_visible()
    page.select_option("#join-add", "employee_roster")
    expect(page.locator("#join-modal .join-card")).to_have_count(1)


def test_join_builder_previews_the_joined_schema_and_rows_then_applies(
    page: Page, api: httpx.Client
):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    _add_roster_join(page)
    pair = page.locator("#join-modal .join-pair").first
    # The first key pair is guessed: the shared id column.
    expect(pair.locator(".join-left")).to_have_value("global_sales.employee_id")
    expect(pair.locator(".join-right")).to_have_value("employee_roster.employee_id")

    joined = {"dataset": spec["dataset"], "vintage": spec["vintage"], "joins": [ROSTER_JOIN]}
    preview = api.post("/api/preview", json={**joined, "page_size": 50}).json()
    rows = page.locator("#join-preview tbody tr")
    expect(rows).to_have_count(len(preview["rows"]), timeout=TIMEOUT_MS)
    assert len(preview["rows"]) == 50
    expect(page.locator("#join-schema .join-schema-col")).to_have_count(len(preview["schema"]))
    expect(page.locator("#join-schema")).to_contain_text("Full name · Employee roster")
    first_id = str(preview["rows"][0][0])
    expect(rows.first.locator("td").first).to_have_text(first_id)

    # A fan-out key pair is refused by the cost gate, inline, before anything is applied.
    pair.locator(".join-left").select_option("global_sales.region")
    pair.locator(".join-right").select_option("employee_roster.region")
    fan_out = {
        **joined,
        "joins": [
            {
                **ROSTER_JOIN,
                "on": [{"left": "global_sales.region", "right": "employee_roster.region"}],
            }
        ],
    }
    refused = api.post("/api/preview", json={**fan_out, "page_size": 50})
    assert refused.status_code == 422, refused.text
    expect(page.locator("#join-error")).to_contain_text(
        refused.json()["error"]["message"][:60], timeout=TIMEOUT_MS
    )
    pair.locator(".join-left").select_option("global_sales.employee_id")
    pair.locator(".join-right").select_option("employee_roster.employee_id")
    expect(rows).to_have_count(50, timeout=TIMEOUT_MS)
    expect(page.locator("#join-error")).to_have_count(0)

    page.click("#join-apply")
    expect(page.locator("#join-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    schema = api.post("/api/joined-schema", json=joined).json()
    result = page_of(api, {**joined, "columns": [c["name"] for c in schema["columns"]]})
    expect(headers(page)).to_contain_text(["Full name"], timeout=TIMEOUT_MS)
    expect_page(page, result, "order_id", "full_name")


def _aggregate(page: Page, group: str, column: str, agg: str) -> str:
    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", group)
    measure = page.locator("#aggregate-modal .measure-row").nth(0)
    measure.locator(".measure-column").select_option(column)
    measure.locator(".measure-agg").select_option(agg)
    alias = f"{agg}_{column}"
    expect(measure.locator(".measure-alias")).to_have_value(alias)
    page.click("#aggregate-apply")
    expect(page.locator("#aggregate-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    return alias


def _saved_spec(api: httpx.Client, report_id: str) -> dict[str, Any]:
    report = api.get(f"/api/reports/{report_id}")
    assert report.status_code == 200, report.text
    spec: dict[str, Any] = report.json()["spec"]
    return {k: v for k, v in spec.items() if v not in (None, [], {})}


def test_a_saved_report_reopens_after_reload_from_the_list_and_by_deep_link(
    page: Page, api: httpx.Client, browser: Browser, ui_url: str
):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    _add_roster_join(page)
    expect(page.locator("#join-preview tbody tr")).to_have_count(50, timeout=TIMEOUT_MS)
    page.click("#join-apply")
    expect(page.locator("#join-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    alias = _aggregate(page, "salary_band", "revenue", "sum")
    name = f"Revenue by band {uuid.uuid4().hex[:6]}"
    page.click("#report-save")
    page.fill("#report-name", name)
    page.fill("#report-description", "Joined, aggregated, one load")
    page.click("#report-save-submit")
    page.wait_for_url("**/reports/*", timeout=TIMEOUT_MS)
    report_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    saved = _saved_spec(api, report_id)
    assert saved["joins"][0]["dataset"] == "employee_roster"
    assert saved["vintage"]["load_id"] == spec["vintage"]["load_id"]
    expected = page_of(api, saved)
    expect_page(page, expected, "salary_band", alias)

    page.reload()
    expect_page(page, expected, "salary_band", alias)

    page.click("#nav-reports")
    page.fill("#report-search", name)
    row = page.locator("#report-list .report-row")
    expect(row).to_have_count(1, timeout=TIMEOUT_MS)
    expect(row.locator(".report-name")).to_have_text(name)
    page.click("#nav-explore")
    page.locator("#dataset-picker [role=option]").first.click()  # another grid on screen
    page.click("#nav-reports")
    page.fill("#report-search", name)
    page.locator("#report-list .report-row .report-open").click()
    page.wait_for_url(f"**/reports/{report_id}", timeout=TIMEOUT_MS)
    expect_page(page, expected, "salary_band", alias)
    expect(page.locator("#current-title")).to_have_text(name)

    fresh = browser.new_context(base_url=ui_url, viewport={"width": 1366, "height": 768})
    other = fresh.new_page()
    try:
        login(other, "admin", ADMIN_PASSWORD)
        other.goto(f"/reports/{report_id}")
        expect_page(other, expected, "salary_band", alias)
    finally:
        fresh.close()


def test_rename_duplicate_share_and_delete_from_the_report_list(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    body = {"name": f"List ops {uuid.uuid4().hex[:6]}", "spec": spec}
    made = api.post("/api/reports", json=body)
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    page.click("#nav-reports")
    page.fill("#report-search", body["name"])
    row = page.locator(f'#report-list .report-row[data-report-id="{report_id}"]')
    row.locator(".report-rename").click()
    page.fill("#report-rename-name", body["name"] + " renamed")
    page.click("#report-rename-submit")
    expect(row.locator(".report-name")).to_have_text(body["name"] + " renamed", timeout=TIMEOUT_MS)
    row.locator(".report-share").click()
    expect(row.locator(".report-shared-badge")).to_be_visible(timeout=TIMEOUT_MS)
    assert api.get(f"/api/reports/{report_id}").json()["shared"] is True
    row.locator(".report-duplicate").click()
    expect(page.locator("#report-list .report-row")).to_have_count(2, timeout=TIMEOUT_MS)
    row.locator(".report-delete").click()
    expect(row).to_have_count(0, timeout=TIMEOUT_MS)
    assert api.get(f"/api/reports/{report_id}").status_code == 404
