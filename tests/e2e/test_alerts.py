"""An alert made in the UI from a saved report's measure: the explorer's "Create alert"
on the open report leads to the alert editor for it, and the saved alert is in the alerts
list, its (empty) history one click away, and it can be edited; a report without a measure
offers no alert."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, login

pytestmark = pytest.mark.e2e


def _report(api: httpx.Client, name: str, **spec: object) -> str:
    made = api.post("/api/reports", json={"name": name, "spec": {"dataset": SALES, **spec}})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_create_an_alert_from_a_report_and_see_it_in_the_alerts_list(
    page: Page, api: httpx.Client
) -> None:
    name = f"Revenue {uuid.uuid4().hex[:6]}"
    measure = {"column": "revenue", "agg": "sum", "alias": "revenue"}
    report_id = _report(api, name, group_by=["region"], measures=[measure])
    recipient = f"rcpt_{uuid.uuid4().hex[:6]}"
    made = api.post(
        "/api/admin/users", json={"username": recipient, "password": "p" * 16, "role": "viewer"}
    )
    assert made.status_code == 201, made.text
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{report_id}")
    page.locator("#alert-create").click(timeout=TIMEOUT_MS)
    expect(page.locator("#alert-modal")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#alert-report")).to_have_value(report_id)
    expect(page.locator("#alert-measure")).to_have_value("revenue")
    page.fill("#alert-name", f"{name} watch")
    page.select_option("#alert-condition", "below")
    page.fill("#alert-threshold", "100,000")
    user = page.locator(f"#alert-delivery-users [data-username='{recipient}'] input")
    # a controlled box: its state comes back from the server, so click and wait for it
    user.click()
    expect(user).to_be_checked(timeout=TIMEOUT_MS)
    page.click("#alert-save")
    expect(page.locator("#alert-modal")).to_have_count(0, timeout=TIMEOUT_MS)

    row = page.locator("#alert-list .alert-row", has_text=f"{name} watch")
    expect(row).to_contain_text("revenue below 100000")
    expect(row).to_contain_text("On each new data version")
    saved = [a for a in api.get("/api/alerts").json() if a["report_id"] == report_id]
    assert len(saved) == 1 and saved[0]["condition"] == {"kind": "below", "threshold": 100000}
    assert saved[0]["delivery"]["users"] == [recipient]
    assert saved[0]["delivery"]["channels"] == ["in_app"]
    row.locator(".alert-history").click()
    expect(page.locator("#alert-history-panel")).to_contain_text("No checks yet.")

    row.locator(".alert-edit").click()  # change it: the same alert, a new threshold
    expect(page.locator("#alert-threshold")).to_have_value("100000")
    expect(user).to_be_checked()  # the editor shows who it notifies
    page.fill("#alert-threshold", "5000")
    page.click("#alert-save")
    expect(row).to_contain_text("revenue below 5000", timeout=TIMEOUT_MS)
    saved = [a for a in api.get("/api/alerts").json() if a["report_id"] == report_id]
    assert len(saved) == 1 and saved[0]["condition"]["threshold"] == 5000
    assert saved[0]["delivery"]["users"] == [recipient]


def test_a_report_without_a_measure_offers_no_alert(page: Page, api: httpx.Client) -> None:
    report_id = _report(api, f"Rows {uuid.uuid4().hex[:6]}", columns=["region"])
    login(page, "admin", ADMIN_PASSWORD)
    page.goto("/reports")
    row = page.locator(f".report-row[data-report-id='{report_id}']")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    expect(row.locator(".report-schedule")).to_be_visible()
    expect(row.locator(".report-alert")).to_have_count(0)
