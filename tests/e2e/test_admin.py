"""Admin pages in a real browser: upload a CSV and query it as a viewer, row-level security
checked with "preview as user" and by signing in as that user, API keys, the audit log, and
a viewer kept out of every admin page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, cells, login

pytestmark = pytest.mark.e2e

VIEWER_PASSWORD = "viewer-pass-123"
CSV = """Order ID,Region,Amount
1,North,10.50
2,South,20.00
3,North,5.25
4,East,7.00
5,West,1.10
6,North,3.30
"""


def _api_as(api_url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=api_url, timeout=30)
    token = client.post("/api/auth/login", json={"username": username, "password": password})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


@pytest.fixture
def viewer(api: httpx.Client, api_url: str) -> Iterator[tuple[str, httpx.Client]]:
    name = f"vera_{uuid.uuid4().hex[:6]}"
    body = {"username": name, "password": VIEWER_PASSWORD, "attributes": {"region": ["North"]}}
    assert api.post("/api/admin/users", json=body).status_code == 201
    client = _api_as(api_url, name, VIEWER_PASSWORD)
    try:
        yield name, client
    finally:
        client.close()


def _open_admin(page: Page, item: str) -> None:
    page.click("#nav-admin")
    page.click(f"#nav-admin-{item}")


def _viewer_grid(page: Page, label: str, rows: int) -> list[str]:
    """Pick the dataset and wait for its page (`rows` rows), then read its regions."""
    page.locator("#dataset-picker [role=option]", has_text=label).click()
    expect(page.locator("#row-range")).to_have_text(f"1\u2013{rows} of {rows}", timeout=TIMEOUT_MS)
    expect(cells(page, "region")).to_have_count(rows)
    return cells(page, "region").all_inner_texts()


def test_upload_a_csv_query_it_as_a_viewer_then_limit_rows_by_rls(
    page: Page, api: httpx.Client, api_url: str, browser: Browser, ui_url: str, tmp_path: Path
):
    key = f"upload_{uuid.uuid4().hex[:6]}"
    user = f"nora_{uuid.uuid4().hex[:6]}"
    login(page, "admin", ADMIN_PASSWORD)
    _open_admin(page, "users")
    page.fill("#user-new-name", user)
    page.fill("#user-new-password", VIEWER_PASSWORD)
    page.fill("#user-new-attributes", "region = North")
    page.click("#user-create")
    expect(page.locator(f'#user-list .user-row[data-username="{user}"]')).to_contain_text(
        "region: North", timeout=TIMEOUT_MS
    )

    _open_admin(page, "datasets")
    source = tmp_path / "orders.csv"
    source.write_text(CSV)
    page.fill("#upload-key", key)
    page.click("#upload-add-type")
    page.locator(".upload-type-column").fill("Amount")
    page.locator(".upload-type-type").select_option("DECIMAL(18,2)")
    page.set_input_files("#dataset-upload input[type=file]", str(source))
    page.click("#upload-start")
    expect(page.locator("#upload-result")).to_contain_text("Loaded 6 rows", timeout=TIMEOUT_MS)
    expect(page.locator("#upload-result")).to_contain_text("amount: DECIMAL(18,2)")
    expect(page.locator("#upload-progress")).to_have_attribute("aria-valuenow", "100")
    # Loaded means loaded: no "Loading into the warehouse…" left behind (issue 17, item 10).
    page.wait_for_timeout(500)
    expect(page.locator("#upload-status")).to_have_text("Loaded")
    label = api.get(f"/api/datasets/{key}").json()["label"]

    fresh = browser.new_context(base_url=ui_url, viewport={"width": 1366, "height": 768})
    as_viewer = fresh.new_page()
    try:
        login(as_viewer, user, VIEWER_PASSWORD)
        assert sorted(_viewer_grid(as_viewer, label, 6)) == sorted(
            line.split(",")[1] for line in CSV.strip().splitlines()[1:]
        )

        page.locator(f'.admin-dataset-row[data-key="{key}"] .dataset-edit').click()
        expect(page.locator("#dataset-settings")).to_be_visible(timeout=TIMEOUT_MS)
        page.click("#rls-add")
        page.locator("#rls-rules .rls-column").select_option("region")
        page.locator("#rls-rules .rls-attribute").fill("region")
        page.click("#dataset-save")
        expect(page.locator("#admin-notice")).to_contain_text("Saved", timeout=TIMEOUT_MS)
        settings = api.get(f"/api/admin/datasets/{key}").json()["settings"]
        assert settings["rls"] == [{"column": "region", "attribute": "region"}]

        page.fill("#preview-as-user", user)
        page.click("#preview-as-run")
        shown = page.locator("#preview-as-result .preview-as-row")
        expect(shown).to_have_count(3, timeout=TIMEOUT_MS)
        for text in shown.all_inner_texts():
            assert "North" in text and "South" not in text
        expect(page.locator("#preview-as-note")).to_contain_text("region: North")

        as_viewer.reload()
        assert _viewer_grid(as_viewer, label, 3) == ["North", "North", "North"]
        mine = _api_as(api_url, user, VIEWER_PASSWORD)
        try:
            rows = mine.post("/api/query", json={"dataset": key}).json()["rows"]
        finally:
            mine.close()
        assert sorted(r[1] for r in rows) == ["North"] * 3
    finally:
        fresh.close()


def test_a_viewer_sees_no_admin_links_and_cannot_open_admin_pages(
    page: Page, viewer: tuple[str, httpx.Client]
):
    name, client = viewer
    login(page, name, VIEWER_PASSWORD)
    expect(page.locator("#nav-reports")).to_be_visible()
    expect(page.locator("#nav-admin")).to_have_count(0)
    for path in ("/admin/datasets", "/admin/users", "/admin/keys", "/admin/audit"):
        page.goto(path)
        page.wait_for_url(lambda url: "/admin" not in url, timeout=TIMEOUT_MS)
        expect(page.locator("#admin-notice, #user-list, #api-key-list, #audit-list")).to_have_count(
            0
        )
        api_path = {"keys": "/api/admin/api-keys"}.get(path.rsplit("/", 1)[-1], f"/api{path}")
        refused = client.get(api_path)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_an_api_key_is_shown_once_then_revoked_and_the_audit_log_filters(
    page: Page, api: httpx.Client, api_url: str
):
    login(page, "admin", ADMIN_PASSWORD)
    _open_admin(page, "keys")
    page.select_option("#api-key-user", "admin")
    page.fill("#api-key-name", "e2e nightly job")
    page.click("#api-key-create")
    secret = page.locator("#api-key-secret")
    # Read once by the browser from the UI server, never from Reflex state.
    expect(secret).to_have_text(re.compile(r"^aur_\S+$"), timeout=TIMEOUT_MS)
    key = secret.inner_text().strip()
    with httpx.Client(base_url=api_url, headers={"X-API-Key": key}) as by_key:
        assert by_key.get("/api/datasets").status_code == 200
        row = page.locator("#api-key-list .api-key-row", has_text="e2e nightly job").first
        row.locator(".api-key-revoke").click()
        expect(row).to_contain_text("Revoked", timeout=TIMEOUT_MS)
        expect(secret).to_have_count(0)
        assert by_key.get("/api/datasets").status_code == 401

    _open_admin(page, "audit")
    page.fill("#audit-action", "api_key")
    page.click("#audit-apply")
    rows = page.locator("#audit-list .audit-row")
    total = api.get("/api/admin/audit", params={"action": "api_key"}).json()["total"]
    # The unfiltered list is on screen until the filtered answer replaces it.
    expect(rows).to_have_count(min(total, 50), timeout=TIMEOUT_MS)
    assert all(a.startswith("api_key.") for a in rows.locator("code").all_inner_texts())
    expect(page.locator("#audit-range")).to_contain_text(f"of {total:,}")
