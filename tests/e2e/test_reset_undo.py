"""Reset All on an open report (issue 17, item 8): the explorer leaves the report (title
"Unsaved", the address no longer names it) and a toast offers Undo for 10 seconds."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from aurora.state.reset_undo import UNDO_SECONDS
from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login

pytestmark = pytest.mark.e2e


def _one_load(api: httpx.Client) -> dict[str, object]:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return {"load_type": "MONTH_END", "load_id": options["MONTH_END"][0]["load_id"]}


def test_reset_all_leaves_the_report_with_an_undo(page: Page, api: httpx.Client) -> None:
    spec = {
        "dataset": SALES,
        "vintage": _one_load(api),
        "filters": {
            "op": "and",
            "conditions": [{"column": "channel", "operator": "=", "value": "Online"}],
        },
        "group_by": ["region"],
        "measures": [{"column": "quantity", "agg": "sum", "alias": "units"}],
    }
    name = f"Online units {uuid.uuid4().hex[:6]}"
    made = api.post("/api/reports", json={"name": name, "spec": spec})
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    page.clock.install()  # the toast's timer on Playwright's clock: flowing, moved on below
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{report_id}")
    title = page.locator("#current-title")
    expect(title).to_have_text(name, timeout=TIMEOUT_MS)
    pills = page.locator("#filter-pills .filter-pill")
    expect(pills).to_have_text(["Channel = Online"], timeout=TIMEOUT_MS)

    page.click("#reset-all")
    expect(title).to_have_text("Unsaved", timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"/$"), timeout=TIMEOUT_MS)
    expect(pills).to_have_count(0)
    toast = page.locator("[data-sonner-toast]")
    expect(toast).to_contain_text(f"Reset: '{name}' is no longer open.")
    page.clock.fast_forward(6000)  # still offered well after a glance
    expect(toast.get_by_role("button", name="Undo")).to_be_visible()

    toast.get_by_role("button", name="Undo").click()
    expect(title).to_have_text(name, timeout=TIMEOUT_MS)
    page.wait_for_url(f"**/reports/{report_id}", timeout=TIMEOUT_MS)
    expect(pills).to_have_text(["Channel = Online"], timeout=TIMEOUT_MS)
    expect(page.locator('#grid [role=columnheader][col-id="units"]')).to_have_count(1)


def test_the_undo_is_gone_after_ten_seconds(page: Page, api: httpx.Client) -> None:
    made = api.post(
        "/api/reports",
        json={
            "name": f"Plain {uuid.uuid4().hex[:6]}",
            "spec": {"dataset": SALES, "vintage": _one_load(api)},
        },
    )
    page.clock.install()  # the toast's timer on Playwright's clock: flowing, moved on below
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{made.json()['id']}")
    expect(page.locator("#grid [role=gridcell]").first).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#reset-all")
    toast = page.locator("[data-sonner-toast]")
    expect(toast).to_be_visible(timeout=TIMEOUT_MS)
    page.clock.fast_forward(UNDO_SECONDS * 1000)
    expect(toast).to_have_count(0, timeout=14_000)
    expect(page.locator("#current-title")).to_have_text("Unsaved")
