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
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login, open_sales

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
    session = next(c for c in page.context.cookies() if c["name"] == "aurora_session")
    assert session["value"].encode() not in stored  # Reflex keeps a proof of it, not it
    assert JWT.search(stored) is None
    assert key.encode() not in stored
    assert new_password.encode() not in stored
    assert stat.S_IMODE(states_dir.stat().st_mode) == 0o700
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}


def _tab_token(page: Page) -> str:
    return str(page.evaluate("window.sessionStorage.getItem('token')"))


def test_a_replayed_client_token_without_the_session_cookie_gets_no_session(
    page: Page, browser: Browser, ui_url: str
):
    """The client token alone (sessionStorage, a state file's name) is not the session: a
    second browser presenting it lands on the sign-in page, and Reflex's upload endpoint
    refuses it without the HttpOnly, SameSite=Strict cookie set at sign-in."""
    login(page, "admin", ADMIN_PASSWORD)
    cookie = next(c for c in page.context.cookies() if c["name"] == "aurora_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    token = _tab_token(page)
    upload = httpx.post(
        f"{ui_url}/_upload",
        headers={"reflex-client-token": token, "reflex-event-handler": "x.upload"},
        files={"files": ("a.csv", b"a\n1\n", "text/csv")},
    )
    assert upload.status_code == 403
    other = browser.new_context(base_url=ui_url)
    try:
        thief = other.new_page()
        thief.add_init_script(f"window.sessionStorage.setItem('token', {token!r})")
        thief.goto("/")
        thief.wait_for_url("**/login**", timeout=TIMEOUT_MS)
        expect(thief.locator("#login-username")).to_be_visible(timeout=TIMEOUT_MS)
    finally:
        other.close()


def test_a_download_link_works_only_in_its_session_and_not_after_sign_out(
    page: Page, api: httpx.Client, ui_url: str
):
    """The link of a finished export is a ticket for this browser session: without its
    cookie it is unknown, with it the file comes as an attachment of our own content type,
    not sniffed; after sign-out it is gone."""
    page.on("dialog", lambda dialog: dialog.accept())  # Esc after edits asks to discard them
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.click("#export-open")
    page.select_option("#export-format", "csv")
    page.fill("#export-filename", "ticket check")
    page.click("#export-start")
    link = page.locator("#export-download")
    expect(link).to_be_visible(timeout=60_000)
    href = str(link.get_attribute("href"))
    assert httpx.get(f"{ui_url}{href}").status_code == 404  # a bearer link no more
    mine = page.request.get(href)
    assert mine.status == 200
    assert mine.headers["x-content-type-options"] == "nosniff"
    assert mine.headers["content-type"] == "text/csv; charset=utf-8"
    assert mine.headers["content-disposition"] == 'attachment; filename="ticket_check.csv"'
    page.keyboard.press("Escape")
    _sign_out(page)
    assert page.request.get(href).status == 404


def test_a_report_link_opened_signed_out_comes_back_after_sign_in(page: Page, api: httpx.Client):
    """Issue 17, item 7: a shared /reports/{id} link survives the sign-in it leads to."""
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    vintage = {"load_type": "MONTH_END", "load_id": options["MONTH_END"][0]["load_id"]}
    name = f"Deep link {uuid.uuid4().hex[:6]}"
    spec = {"dataset": SALES, "vintage": vintage, "group_by": ["region"]}
    made = api.post("/api/reports", json={"name": name, "spec": spec, "shared": True})
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    page.goto(f"/reports/{report_id}")
    page.wait_for_url("**/login**", timeout=TIMEOUT_MS)
    page.fill("#login-username", "admin")
    page.fill("#login-password", ADMIN_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"**/reports/{report_id}", timeout=TIMEOUT_MS)
    expect(page.locator("#current-title")).to_have_text(name, timeout=TIMEOUT_MS)
