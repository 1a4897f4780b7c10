"""The admin's webhooks are offered in the schedule and the alert forms, and the alert form
takes outside addresses as the schedule form does, saying they get the owner's view: ticked
and typed in the browser, kept by the API, shown again on edit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, login

pytestmark = pytest.mark.e2e


@pytest.fixture
def webhook(api: httpx.Client) -> Iterator[tuple[str, str]]:
    name = f"ops {uuid.uuid4().hex[:6]}"
    body = {"name": name, "url": "http://127.0.0.1:9/hook", "format": "slack"}
    made = api.post("/api/admin/webhooks", json=body)
    assert made.status_code == 201, made.text
    yield str(made.json()["id"]), name
    api.delete(f"/api/admin/webhooks/{made.json()['id']}")


def _report(api: httpx.Client) -> str:
    measure = {"column": "revenue", "agg": "sum", "alias": "revenue"}
    spec = {"dataset": SALES, "group_by": ["region"], "measures": [measure]}
    made = api.post("/api/reports", json={"name": f"R {uuid.uuid4().hex[:6]}", "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _tick(box: Locator) -> None:
    # a controlled box: its state comes back from the server, so click and wait for it
    box.click()
    expect(box).to_be_checked(timeout=TIMEOUT_MS)


def test_an_alert_notifies_a_webhook_and_an_outside_address_chosen_in_the_form(
    page: Page, api: httpx.Client, webhook: tuple[str, str]
) -> None:
    hook_id, hook_name = webhook
    report_id = _report(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/alerts?report={report_id}")
    expect(page.locator("#alert-modal")).to_be_visible(timeout=TIMEOUT_MS)
    page.fill("#alert-threshold", "100")
    choice = page.locator(f"#alert-delivery-webhooks [data-webhook-id='{hook_id}']")
    expect(choice).to_contain_text(hook_name)
    _tick(choice.locator("input"))
    expect(page.locator("#alert-delivery-owner-view")).to_contain_text("owner")
    page.fill("#alert-delivery-emails", "cfo@partner.example")
    expect(page.locator("#alert-delivery-emails")).to_have_value("cfo@partner.example")
    page.click("#alert-save")
    expect(page.locator("#alert-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    (saved,) = [a for a in api.get("/api/alerts").json() if a["report_id"] == report_id]
    assert saved["delivery"]["webhooks"] == [hook_id]
    assert saved["delivery"]["emails"] == ["cfo@partner.example"]

    page.locator("#alert-list .alert-row", has_text=saved["name"]).locator(".alert-edit").click()
    expect(choice.locator("input")).to_be_checked(timeout=TIMEOUT_MS)  # shown again on edit
    expect(page.locator("#alert-delivery-emails")).to_have_value("cfo@partner.example")
    api.delete(f"/api/alerts/{saved['id']}")


def test_a_schedule_delivers_to_a_webhook_chosen_in_the_form(
    page: Page, api: httpx.Client, webhook: tuple[str, str]
) -> None:
    hook_id, hook_name = webhook
    report_id = _report(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/schedules?report={report_id}")
    expect(page.locator("#schedule-modal")).to_be_visible(timeout=TIMEOUT_MS)
    choice = page.locator(f"#schedule-delivery-webhooks [data-webhook-id='{hook_id}']")
    expect(choice).to_contain_text(hook_name)
    _tick(choice.locator("input"))
    page.click("#schedule-save")
    expect(page.locator("#schedule-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    (saved,) = [s for s in api.get("/api/schedules").json() if s["report_id"] == report_id]
    assert saved["delivery"]["webhooks"] == [hook_id]
    api.delete(f"/api/schedules/{saved['id']}")
