"""In-app notifications in the navigation bar: a notification delivered through the Outbox
(into the API's own metadata store, as a schedule or an alert delivers) shows as the bell's
unread count and in its menu; reading one lowers the count, "Mark all read" clears it, and
the count stays cleared after a reload. And the admin Webhooks page: a webhook created there
shows its secret once, and its test send reaches a real HTTP server with the outcome shown.
Embedded shape: the test writes to the API's SQLite store."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from aurora.components.bell_poll import POLL_S
from backend.config import Settings
from backend.delivery.channels import Channels
from backend.delivery.in_app import InAppChannel
from backend.delivery.message import IN_APP, Message, Recipient
from backend.delivery.outbox import Outbox, Source
from backend.security.principal import User
from backend.store.engine import Store, default_url
from tests.delivery.receiver import receiving
from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, login

pytestmark = [pytest.mark.e2e]

PASSWORD = "e2e-viewer-pass-1"


def _viewer(api: httpx.Client) -> tuple[str, int]:
    name = f"nora-{uuid.uuid4().hex[:6]}"
    made = api.post("/api/admin/users", json={"username": name, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return name, int(made.json()["id"])


def _owner(api: httpx.Client) -> User:
    me = api.get("/api/auth/me").json()
    return User(id=me["id"], username=me["username"], display_name="", role="admin", attributes={})


def _deliver(warehouse: Path, owner: User, user_id: int, *titles: str) -> None:
    """Through a real Outbox over the API's store. On a thread of its own: pytest-playwright
    keeps an event loop running in this one."""
    settings = Settings(data_dir=warehouse, state_path=None, metadata_url=None)
    store = Store(default_url(settings))
    outbox = Outbox(store, Channels([InAppChannel(store)]))
    recipient = Recipient(IN_APP, str(user_id), user_id=user_id)
    try:
        for title in titles:
            message = Message(subject=title, text=f"{title}: 3 rows", link="/reports")
            coro = outbox.deliver(Source("schedule", uuid.uuid4().hex, owner), recipient, message)
            with ThreadPoolExecutor(1) as pool:
                assert pool.submit(asyncio.run, coro).result().status == "sent"
    finally:
        store.close()


def test_a_delivered_notification_shows_its_unread_count_and_reading_clears_it(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    name, user_id = _viewer(api)
    _deliver(warehouse, _owner(api), user_id, "Weekly sales", "Revenue alert")
    login(page, name, PASSWORD)
    bell = page.locator("#notifications")
    expect(bell).to_have_text("2", timeout=TIMEOUT_MS)
    bell.click()
    items = page.locator("#notifications-list .notification-item")
    expect(items).to_have_count(2, timeout=TIMEOUT_MS)
    expect(items.first).to_contain_text("Revenue alert")  # newest first
    expect(items.first).to_have_attribute("data-unread", "true")
    items.first.click()
    expect(items.first).to_have_attribute("data-unread", "false", timeout=TIMEOUT_MS)
    expect(bell).to_have_text("1")
    page.click("#notifications-read-all")
    expect(bell).to_have_text("0", timeout=TIMEOUT_MS)
    page.reload()
    expect(page.locator("#notifications")).to_have_text("0", timeout=TIMEOUT_MS)


def test_an_admin_creates_a_webhook_sees_its_secret_once_and_test_sends_it(
    page: Page, api: httpx.Client
) -> None:
    with receiving([200]) as receiver:
        login(page, "admin", ADMIN_PASSWORD)
        page.goto("/admin/webhooks")
        name = f"ops {uuid.uuid4().hex[:6]}"
        page.fill("#webhook-name", name)
        page.fill("#webhook-url", receiver.url)
        page.select_option("#webhook-format", "slack")
        page.click("#webhook-create")
        expect(page.locator("#webhook-secret")).to_contain_text("whsec_", timeout=TIMEOUT_MS)
        row = page.locator(".webhook-row", has_text=name)
        expect(row).to_have_count(1)
        row.locator(".webhook-test").click()
        expect(row.locator(".webhook-test-outcome")).to_contain_text("Sent", timeout=TIMEOUT_MS)
    assert len(receiver.received) == 1
    assert b'"blocks"' in receiver.received[0].body
    assert "x-aurora-signature" in receiver.received[0].headers


def test_the_bell_picks_up_a_new_notification_within_a_minute_without_a_reload(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    # The page's timers run on Playwright's clock (flowing as usual until moved), so the
    # test moves the page a minute on instead of sitting through it.
    page.clock.install()
    name, user_id = _viewer(api)
    login(page, name, PASSWORD)
    bell = page.locator("#notifications")
    expect(bell).to_have_text("0", timeout=TIMEOUT_MS)
    url = page.url
    _deliver(warehouse, _owner(api), user_id, "Arrived while reading")
    # the bell's minute poll (POLL_S), on the same page: no reload, no click
    page.clock.fast_forward(POLL_S * 1000)
    expect(bell).to_have_text("1", timeout=TIMEOUT_MS)
    assert page.url == url
