"""One tab, two users: nothing the first one asked for reaches the next one."""

from __future__ import annotations

import random
import re
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login

pytestmark = pytest.mark.e2e

VIEWER_PASSWORD = "next-Viewer-pass-1"
# Longer than the slow query takes on this machine (a few seconds), so an answer that was
# going to arrive has arrived by then.
WATCH_S = 12.0
STATE_WRITES_S = 5.0
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ")  # the API's bearer tokens are JWTs
MARK = "heavy_total"  # the slow query's measure: in any message that carries its result


def _upper_lower(text: str, times: int) -> str:
    for i in range(times):
        text = f"{'lower' if i % 2 else 'upper'}({text})"
    return text


def _slow_spec(api: httpx.Client) -> dict[str, Any]:
    """A per-row string workload over one load: a few seconds of DuckDB time that the cost
    gate lets through (it counts rows, not work per row). The filter is always true and
    random, so no result cache answers it."""
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    wide = "concat(" + ", ".join(["country"] * 20) + ")"
    wider = _upper_lower("concat(" + ", ".join(["c0"] * 10) + ")", 4)
    return {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": options["MONTH_END"][0]["load_id"]},
        "calculated": [
            {"name": "c0", "expr": wide},
            {"name": "c1", "expr": wider},
            {"name": "heavy", "expr": "length(c1)"},
        ],
        "filters": {
            "op": "and",
            "conditions": [
                {"column": "quantity", "operator": ">", "value": -random.randint(1, 10**9)}
            ],
        },
        "group_by": ["region"],
        "measures": [{"column": "heavy", "agg": "sum", "alias": "heavy_total"}],
    }


def _new_viewer(api: httpx.Client) -> str:
    username = f"next_{uuid.uuid4().hex[:8]}"
    body = {"username": username, "password": VIEWER_PASSWORD, "role": "viewer"}
    made = api.post("/api/admin/users", json={**body, "attributes": {}})
    assert made.status_code == 201, made.text
    return username


def _sign_out(page: Page) -> None:
    page.click("#user-menu")
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url("**/login**", timeout=TIMEOUT_MS)


def _sign_in_here(page: Page, username: str) -> None:
    """The sign-in form the sign-out left on screen: same tab, same socket, no page load."""
    page.fill("#login-username", username)
    page.fill("#login-password", VIEWER_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#user-menu")).to_be_visible(timeout=TIMEOUT_MS)


def test_a_slow_query_of_the_last_user_never_reaches_the_next_one(page: Page, api: httpx.Client):
    """Admin sorts a report whose query takes seconds, signs out while it runs, and a viewer
    signs in on the same tab: no websocket message after the sign-out carries the admin's
    result (its measure's name), and the viewer's page shows no rows."""
    made = api.post("/api/reports", json={"name": "Slow one", "spec": _slow_spec(api)})
    assert made.status_code == 201, made.text
    viewer = _new_viewer(api)
    received: list[tuple[float, str]] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: received.append((time.monotonic(), str(f)))),
    )
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{made.json()['id']}")
    heavy = page.locator(f'#grid [role=columnheader][col-id="{MARK}"]')
    expect(heavy).to_be_visible(timeout=60_000)
    # A click, not the page load, starts it: Reflex itself cancels a page load's chain when
    # the page changes, but not a query a click started.
    heavy.click()
    expect(page.locator("#query-spinner")).to_be_visible(timeout=TIMEOUT_MS)
    signed_out = time.monotonic()
    _sign_out(page)
    _sign_in_here(page, viewer)
    expect(page.locator("#dataset-picker [role=option]").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(WATCH_S * 1000)
    leaked = [text for at, text in received if at > signed_out and MARK in text]
    assert leaked == [], "the previous user's result reached the tab after sign-out"
    expect(page.locator("#grid [role=gridcell]")).to_have_count(0)


def test_state_files_hold_no_token_key_or_password_and_are_private(
    page: Page, api: httpx.Client, states_dir: Path
):
    """Sign in, create an API key, reset a password: then no byte of the stored states
    holds the session's token, the key or the password, and only their owner may read them."""
    username = _new_viewer(api)
    new_password = f"reset-{uuid.uuid4().hex}"
    login(page, "admin", ADMIN_PASSWORD)
    page.click("#nav-admin")
    page.click("#nav-admin-keys")
    page.fill("#api-key-name", "state file check")
    page.click("#api-key-create")
    secret = page.locator("#api-key-secret")
    expect(secret).to_have_text(re.compile(r"^aur_\S+$"), timeout=TIMEOUT_MS)
    key = secret.inner_text().strip()
    page.click("#nav-admin")
    page.click("#nav-admin-users")
    page.locator("#user-list .user-row", has_text=username).locator(".user-edit").click()
    page.fill("#user-edit-password", new_password)
    page.click("#user-edit-save")
    expect(page.locator("#admin-notice")).to_contain_text("Password reset", timeout=TIMEOUT_MS)
    page.wait_for_timeout(STATE_WRITES_S * 1000)  # Reflex writes states to disk debounced
    files = [p for p in states_dir.rglob("*") if p.is_file()]
    assert files, "no state was written"
    stored = b"".join(p.read_bytes() for p in files)
    assert JWT.search(stored) is None
    assert key.encode() not in stored
    assert new_password.encode() not in stored
    assert stat.S_IMODE(states_dir.stat().st_mode) == 0o700
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}
