"""Delta datasets in the browser: the explorer's history and "as of" a past version, the
admin's GDPR erase with its preview and typed confirmation, and the "new data" notices of the
explorer and of a dashboard.

Each test writes its own small Delta table into the session's warehouse with `deltalake`
(what any Delta writer leaves on disk) and waits until the API lists it.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake
from playwright.sync_api import Page, expect

from aurora.state.freshness import CHECK_SECONDS
from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, cells, login

SECRET = "Zed Secretperson"


def _people(rows: list[tuple[int, str]]) -> pa.Table:
    return pa.table(
        {"employee_id": [r[0] for r in rows], "name": [r[1] for r in rows]},
        schema=pa.schema([("employee_id", pa.int64()), ("name", pa.string())]),
    )


def _listed(api: httpx.Client, key: str, version: int) -> str:
    """Wait until the API reads `key` at `version`; its label."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        history = api.get(f"/api/datasets/{key}/history")
        if history.status_code == 200 and history.json()["current_version"] == version:
            return str(api.get(f"/api/datasets/{key}").json()["label"])
        time.sleep(0.3)
    raise AssertionError(f"the API never listed {key} at version {version}")


def _next_check(page: Page, api: httpx.Client, key: str, version: int) -> None:
    """Once the API reads `key` at `version`, move the page's clock (installed before its
    first load; it flows as usual otherwise) to the ticker's next version check instead of
    waiting for it: CHECK_SECONDS on."""
    _listed(api, key, version)
    page.clock.fast_forward(CHECK_SECONDS * 1000)


def _names(page: Page, count: int) -> list[str]:
    expect(page.locator("#row-range")).to_have_text(
        f"1\u2013{count} of {count}", timeout=TIMEOUT_MS
    )
    return sorted(cells(page, "name").all_inner_texts())


def _open(page: Page, label: str) -> None:
    page.locator("#dataset-picker [role=option]", has_text=label).first.click()
    expect(page.locator("#grid")).to_be_visible(timeout=TIMEOUT_MS)


def test_the_history_lists_versions_and_an_older_version_shows_its_rows(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    key = f"staff_{uuid.uuid4().hex[:6]}"
    folder = str(warehouse / key)
    write_deltalake(folder, _people([(1, "Ann Able"), (2, "Bo Best"), (3, "Cy Cole")]))
    DeltaTable(folder).delete("employee_id = 2")
    label = _listed(api, key, 1)

    login(page, "admin", ADMIN_PASSWORD)
    _open(page, label)
    assert _names(page, 2) == ["Ann Able", "Cy Cole"]

    page.click("#history-open")
    versions = page.locator("#history-panel .history-version")
    expect(versions).to_have_count(2, timeout=TIMEOUT_MS)
    expect(versions.first).to_contain_text("DELETE")
    expect(versions.first).to_contain_text("\u22121")  # one row removed
    expect(versions.nth(1)).to_contain_text("+3")
    page.locator('.history-version[data-version="0"] .history-read').click()

    expect(page.locator("#as-of-pill")).to_contain_text("as of version 0 / ", timeout=TIMEOUT_MS)
    assert _names(page, 3) == ["Ann Able", "Bo Best", "Cy Cole"]
    expect(page.locator("#history-panel")).to_have_count(0)

    page.click("#as-of-clear")
    expect(page.locator("#as-of-pill")).to_have_count(0, timeout=TIMEOUT_MS)
    assert _names(page, 2) == ["Ann Able", "Cy Cole"]


def _parquet_values(folder: Path) -> set[Any]:
    found: set[Any] = set()
    for path in folder.rglob("*.parquet"):
        for column in pq.read_table(path).columns:
            found.update(str(v) for v in column.to_pylist())
    return found


def test_erase_previews_the_rows_asks_for_the_key_then_removes_them_for_good(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    key = f"people_{uuid.uuid4().hex[:6]}"
    folder = warehouse / key
    write_deltalake(str(folder), _people([(100, "Ann Able"), (123, SECRET), (124, "Bo Best")]))
    write_deltalake(str(folder), _people([(123, SECRET), (125, "Cy Cole")]), mode="append")
    label = _listed(api, key, 1)

    login(page, "admin", ADMIN_PASSWORD)
    page.click("#nav-admin")
    page.click("#nav-admin-datasets")
    page.locator(f'.admin-dataset-row[data-key="{key}"] .dataset-edit').click()
    expect(page.locator("#dataset-erase")).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("#erase-column").select_option("employee_id")
    page.fill("#erase-value", "123")
    page.click("#erase-preview")
    expect(page.locator("#erase-preview-rows")).to_have_text("2 matching rows", timeout=TIMEOUT_MS)

    run = page.locator("#erase-run")
    expect(run).to_be_disabled()
    page.fill("#erase-confirm-text", key[:-1])  # almost the key is not the key
    expect(run).to_be_disabled()
    page.fill("#erase-confirm-text", key)
    expect(run).to_be_enabled()
    run.click()
    expect(page.locator("#erase-result")).to_contain_text("Erased 2 rows", timeout=TIMEOUT_MS)

    page.goto("/")
    _open(page, label)
    assert _names(page, 3) == ["Ann Able", "Bo Best", "Cy Cole"]
    assert SECRET not in _parquet_values(folder)
    old = api.post("/api/query", json={"dataset": key, "as_of": {"version": 0}})
    assert old.status_code == 400, old.text


def test_an_open_explorer_is_told_of_a_new_version_and_refreshes_to_it(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    key = f"feed_{uuid.uuid4().hex[:6]}"
    folder = str(warehouse / key)
    write_deltalake(folder, _people([(1, "Ann Able"), (2, "Bo Best")]))
    label = _listed(api, key, 0)

    page.clock.install()
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, label)
    assert _names(page, 2) == ["Ann Able", "Bo Best"]
    page.wait_for_timeout(1500)  # the page has taken version 0 as the one on screen
    expect(page.locator("#new-data")).to_have_count(0)

    write_deltalake(folder, _people([(3, "Cy Cole")]), mode="append")
    _next_check(page, api, key, 1)
    notice = page.locator("#new-data")
    expect(notice).to_contain_text("New data available: version 1", timeout=30_000)
    assert _names(page, 2) == ["Ann Able", "Bo Best"], "nothing changes before Refresh"
    page.click("#new-data-refresh")
    assert _names(page, 3) == ["Ann Able", "Bo Best", "Cy Cole"]
    expect(notice).to_have_count(0)


def _board(api: httpx.Client, key: str) -> dict[str, Any]:
    """A dashboard of one table tile over `key`."""
    spec = {"dataset": key, "columns": ["employee_id", "name"], "sort": [{"column": "name"}]}
    tile = {"kind": "report", "id": "people", "title": "People", "view": "table", "spec": spec}
    tile["position"] = {"x": 0, "y": 0, "w": 12, "h": 6}
    body = {"name": f"Board {key}", "tabs": [{"id": "main", "title": "Main", "tiles": [tile]}]}
    r = api.post("/api/dashboards", json=body)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def _board_rows(page: Page) -> Any:
    return page.locator("#dashboard-grid .dashboard-tile[data-tile-id='people'] .tile-row")


@pytest.mark.parametrize("auto_refresh", [False, True], ids=["notice", "auto-refresh"])
def test_an_open_dashboard_learns_of_a_new_version_and_refreshes_its_tiles(
    page: Page, api: httpx.Client, warehouse: Path, auto_refresh: bool
) -> None:
    """Told, the viewer refreshes with one click; set to auto-refresh (here every 5 minutes,
    far beyond the test), the dashboard refreshes as soon as the new version is seen."""
    key = f"board_{uuid.uuid4().hex[:6]}"
    folder = str(warehouse / key)
    write_deltalake(folder, _people([(1, "Ann Able"), (2, "Bo Best")]))
    _listed(api, key, 0)
    made = _board(api, key)

    page.clock.install()
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}" + ("?refresh=300" if auto_refresh else ""))
    rows, notice = _board_rows(page), page.locator("#dashboard-new-data")
    expect(rows).to_have_count(2, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # the page has taken version 0 as the one on screen
    expect(notice).to_have_count(0)

    write_deltalake(folder, _people([(3, "Cy Cole")]), mode="append")
    _next_check(page, api, key, 1)
    if auto_refresh:
        expect(rows).to_have_count(3, timeout=30_000)
        expect(notice).to_have_count(0)
        return
    expect(notice).to_contain_text("New data available", timeout=30_000)
    expect(rows).to_have_count(2)  # nothing changes before Refresh
    page.click("#dashboard-new-data-refresh")
    expect(rows).to_have_count(3, timeout=TIMEOUT_MS)
    expect(rows.last).to_contain_text("Cy Cole")
    expect(notice).to_have_count(0)


def test_an_admin_compacts_then_vacuums_a_dataset_from_its_settings(
    page: Page, api: httpx.Client, warehouse: Path
) -> None:
    key = f"small_{uuid.uuid4().hex[:6]}"
    folder = warehouse / key
    for i in range(4):
        write_deltalake(str(folder), _people([(i, f"Person {i}")]), mode="append")
    _listed(api, key, 3)

    login(page, "admin", ADMIN_PASSWORD)
    page.click("#nav-admin")
    page.click("#nav-admin-datasets")
    page.locator(f'.admin-dataset-row[data-key="{key}"] .dataset-edit').click()
    page.click("#maintenance-optimize")
    status = page.locator("#maintenance-status")
    expect(status).to_contain_text("optimize done: 4 files", timeout=TIMEOUT_MS)
    expect(status).to_contain_text("-> 1 file")
    page.fill("#maintenance-retention", "0")
    page.click("#maintenance-vacuum")
    expect(status).to_contain_text("vacuum done: 5 files", timeout=TIMEOUT_MS)
    data = [p for p in folder.rglob("*.parquet") if "_delta_log" not in p.parts]
    assert len(data) == 1
