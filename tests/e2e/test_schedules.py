"""A schedule made from a saved report runs and its run appears in the history with a working
download link whose file holds the report's rows. Runs on both server shapes: the API's
in-process scheduler starts due runs each minute, or on the deployed shape the ARQ worker's
schedule tick does, and the worker writes the file."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD, DeployedShape
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login

pytestmark = [pytest.mark.e2e, pytest.mark.deployed]

RUN_WAIT_MS = 80_000  # the next minute boundary, plus the export itself


def _small_report(api: httpx.Client) -> tuple[str, str, dict[str, object]]:
    newest = next(
        o["load_ids"][0]["load_id"]
        for o in dataset_detail(api)["vintage"]["options"]
        if o["load_type"] == "MONTH_END"
    )
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": newest},
        "group_by": ["region"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "revenue"}],
    }
    name = f"Nightly {uuid.uuid4().hex[:6]}"
    made = api.post("/api/reports", json={"name": name, "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"]), name, spec


def test_a_schedule_shows_its_next_runs_then_its_run_with_a_download(
    page: Page, api: httpx.Client, deployed: DeployedShape | None
):
    report_id, name, spec = _small_report(api)
    worker_runs = deployed.finished_exports() if deployed is not None else 0
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/schedules?report={report_id}")
    expect(page.locator("#schedule-modal")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#schedule-report")).to_have_value(report_id)
    expect(page.locator("#schedule-cron")).to_have_value("0 6 * * *")  # daily 06:00 preset
    expect(page.locator("#schedule-next-runs li")).to_have_count(3)
    page.select_option("#schedule-preset", "weekly")
    expect(page.locator("#schedule-cron")).to_have_value("0 6 * * 1")
    page.select_option("#schedule-preset", "minute")
    expect(page.locator("#schedule-next-runs li")).to_have_count(3)
    page.click("#schedule-save")
    expect(page.locator("#schedule-modal")).to_have_count(0, timeout=TIMEOUT_MS)

    schedules = [s for s in api.get("/api/schedules").json() if s["report_id"] == report_id]
    assert len(schedules) == 1 and schedules[0]["cron"] == "* * * * *"
    row = page.locator("#schedule-list .schedule-row", has_text=name)
    expect(row).to_contain_text("Every minute")
    expect(row.locator(".schedule-next")).to_have_count(3)

    history = page.locator("#schedule-run-history")
    expect(history).to_be_visible()
    done = history.locator(".run-row", has=page.locator(".run-status", has_text="done"))
    expect(done.first).to_be_visible(timeout=RUN_WAIT_MS)
    with page.expect_download() as info:
        done.first.locator(".run-download").click()
    header, *body = list(csv.reader(io.StringIO(info.value.path().read_text("utf-8-sig"))))
    assert header == ["Region", "Revenue"]  # exports head columns with their labels
    expected = api.post("/api/query", json=spec).json()["rows"]
    assert len(expected) > 1
    got = [[region or None, Decimal(revenue)] for region, revenue in body]
    assert got == [[region, Decimal(str(revenue))] for region, revenue in expected]

    if deployed is not None:  # the worker's schedule tick started it and the worker ran it
        assert deployed.finished_exports() > worker_runs
    row.locator("input[type=checkbox]").click()  # pause it
    expect(row).to_contain_text("Paused", timeout=TIMEOUT_MS)
    assert api.get(f"/api/schedules/{schedules[0]['id']}").json()["enabled"] is False
