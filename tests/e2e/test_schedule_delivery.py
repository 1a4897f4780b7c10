"""A schedule with email delivery made from the schedule form: an Aurora user ticked as a
recipient, the email channel, an outside address (with the form's word that it receives the
owner's view). The API keeps that delivery, and the run's email reaches a real SMTP server
(aiosmtpd, started here on the port the e2e API sends to) with the file attached."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from tests.delivery.smtp import Inbox, parts
from tests.e2e.conftest import ADMIN_PASSWORD, smtp_port
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login

pytestmark = [pytest.mark.e2e]

MAIL_WAIT_S = 150  # the next minute's run, then the next tick's delivery


def _report(api: httpx.Client) -> tuple[str, str]:
    """One load grouped by region: small enough for the cost gate (the whole table is not)."""
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
    name = f"Mailed {uuid.uuid4().hex[:6]}"
    made = api.post("/api/reports", json={"name": name, "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"]), name


def _recipient(api: httpx.Client) -> str:
    name = f"mia{uuid.uuid4().hex[:6]}"
    body = {
        "username": name,
        "password": "Mia-pass-12345",
        "role": "viewer",
        "attributes": {"email": f"{name}@example.com"},
    }
    made = api.post("/api/admin/users", json=body)
    assert made.status_code == 201, made.text
    return name


@pytest.mark.timeout(480)  # the UI build, then up to two minute ticks
def test_a_schedule_with_email_delivery_is_made_from_the_form_and_its_mail_arrives(
    page: Page, api: httpx.Client
) -> None:
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port())
    server.start()
    try:
        report_id, name = _report(api)
        mia = _recipient(api)
        login(page, "admin", ADMIN_PASSWORD)
        page.goto(f"/schedules?report={report_id}")
        expect(page.locator("#schedule-modal")).to_be_visible(timeout=TIMEOUT_MS)
        page.select_option("#schedule-preset", "minute")
        user = page.locator(f'#schedule-delivery-users [data-username="{mia}"] input')
        # Controlled checkboxes: the state comes back from the server, so click and wait.
        user.click()
        expect(user).to_be_checked(timeout=TIMEOUT_MS)
        by_email = page.locator("#schedule-delivery-email")
        by_email.click()
        expect(by_email).to_be_checked(timeout=TIMEOUT_MS)
        expect(page.locator("#schedule-delivery-owner-view")).to_contain_text("owner")
        page.fill("#schedule-delivery-emails", "cfo@partner.example")
        page.click("#schedule-save")
        expect(page.locator("#schedule-modal")).to_have_count(0, timeout=TIMEOUT_MS)
        row = page.locator("#schedule-list .schedule-row", has_text=name)
        expect(row.locator(".schedule-recipients")).to_contain_text(mia)

        (saved,) = [s for s in api.get("/api/schedules").json() if s["report_id"] == report_id]
        assert saved["delivery"]["users"] == [mia]
        assert saved["delivery"]["emails"] == ["cfo@partner.example"]
        assert "email" in saved["delivery"]["channels"]

        deadline = time.monotonic() + MAIL_WAIT_S
        while not inbox.to(f"{mia}@example.com") and time.monotonic() < deadline:
            time.sleep(1)
        sends = api.get(f"/api/schedules/{saved['id']}/deliveries").json()
        runs = api.get(f"/api/schedules/{saved['id']}/runs").json()
        errors = [r.get("error") for r in runs]
        assert inbox.to(f"{mia}@example.com"), (smtp_port(), sends, errors)
        mail = inbox.to(f"{mia}@example.com")[0]
        got = parts(mail)
        assert mail["Subject"] == name and got["attachments"]
        assert "<table" in got["html"]
        expect(page.locator("#schedule-deliveries .delivery-row").first).to_be_visible(
            timeout=TIMEOUT_MS
        )
        api.delete(f"/api/schedules/{saved['id']}")
    finally:
        server.stop()
