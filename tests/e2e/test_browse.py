"""Signing in, picking a dataset, paging, sorting, columns, vintage, errors, Reset All.

Every check compares what the page shows with what the API answers for the same spec.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS
from tests.e2e.helpers import (
    SALES,
    TIMEOUT_MS,
    base_spec,
    cells,
    dataset_detail,
    expect_outcome,
    expect_page,
    header,
    headers,
    label_of,
    login,
    metric_total,
    open_sales,
    page_of,
    pick,
    query,
    wait_hydrated,
)

pytestmark = pytest.mark.e2e


def test_login_then_lazy_start_lists_datasets_and_runs_nothing(page: Page, api: httpx.Client):
    page.goto("/")
    page.wait_for_url("**/login**", timeout=TIMEOUT_MS)
    page.fill("#login-username", "admin")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    refused = httpx.post(
        f"{api.base_url}/api/auth/login", json={"username": "admin", "password": "nope"}
    ).json()["error"]["message"]
    expect(page.locator("#login-error")).to_have_text(refused, timeout=TIMEOUT_MS)

    queries_before = metric_total(api, "aurora_query_seconds_count")
    login(page, "admin", ADMIN_PASSWORD)
    expect(page.locator("#dataset-empty")).to_be_visible()
    expect(page.locator("#grid")).to_have_count(0)
    labels = [d["label"] for d in api.get("/api/datasets").json()]
    expect(page.locator("#dataset-picker [role=option] > div:first-child")).to_have_text(labels)
    page.wait_for_timeout(1_000)  # what the landing page would start, it has started by now
    # Nothing ran on the warehouse: the API's own count of statements is unchanged.
    assert metric_total(api, "aurora_query_seconds_count") == queries_before
    page.fill("#dataset-search", "sales")
    expect(page.locator("#dataset-picker [role=option]")).to_have_count(
        len([x for x in labels if "sales" in x.lower()])
    )


def test_sign_out_from_the_user_menu(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    me = api.get("/api/auth/me").json()
    expect(page.locator("#user-menu")).to_contain_text(me.get("display_name") or "admin")
    page.click("#user-menu")
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url("**/login**", timeout=TIMEOUT_MS)
    page.goto("/")
    page.wait_for_url("**/login**", timeout=TIMEOUT_MS)


def test_picking_a_dataset_shows_its_first_page(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    result = page_of(api, spec)
    expect_page(page, result, "order_id", "revenue", "order_date")
    labels = [c["label"] for c in dataset_detail(api)["columns"]]
    expect(headers(page)).to_have_text(labels)


def test_paging_forward_and_back(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.click("#page-next")
    expect_page(page, page_of(api, {**spec, "page": 2}), "order_id", "country")
    page.click("#page-next")
    expect_page(page, page_of(api, {**spec, "page": 3}), "order_id")
    page.click("#page-prev")
    page.click("#page-prev")
    expect_page(page, page_of(api, spec), "order_id", "country")
    expect(page.locator("#page-prev")).to_be_disabled()


def test_a_new_action_supersedes_the_running_query(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    for _ in range(3):  # no waiting in between: each click replaces the query before it
        page.click("#page-next")
    expect_page(page, page_of(api, {**spec, "page": 4}), "order_id")
    expect(page.locator("#query-spinner")).to_have_count(0)


def test_header_clicks_sort_on_the_server_and_shift_adds_a_key(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    header(page, "Revenue").click()
    asc = {**spec, "sort": [{"column": "revenue", "direction": "asc"}]}
    expect_page(page, page_of(api, asc), "revenue", "order_id")
    header(page, "Revenue").click()
    desc = {**spec, "sort": [{"column": "revenue", "direction": "desc"}]}
    expect_page(page, page_of(api, desc), "revenue", "order_id")
    header(page, "Region").click(modifiers=["Shift"])
    both = {**spec, "sort": [*desc["sort"], {"column": "region", "direction": "asc"}]}
    expect_page(page, page_of(api, both), "revenue", "region", "order_id")


def test_hiding_a_column_requeries_without_it_and_showing_brings_it_back(
    page: Page, api: httpx.Client
):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.click("#columns-toggle")
    page.get_by_label("Country", exact=True).click()
    fewer = {**spec, "columns": [c for c in spec["columns"] if c != "country"]}
    result = page_of(api, fewer)
    expect(headers(page)).to_have_text([c["label"] for c in result["columns"]])
    expect(cells(page, "country")).to_have_count(0)
    expect_page(page, result, "region")
    page.get_by_label("Country", exact=True).click()
    expect_page(page, page_of(api, spec), "country")


def test_quick_search_filters_the_visible_text_columns(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    page.fill("#quick-search", "Japan")
    text_cols = [
        c["name"] for c in dataset_detail(api)["columns"] if c["type"].upper().startswith("VARCHAR")
    ]
    quick = {
        "op": "or",
        "conditions": [{"column": c, "operator": "contains", "value": "Japan"} for c in text_cols],
    }
    result = page_of(api, {**spec, "filters": quick})
    expect_page(page, result, "country", "order_id")
    assert set(cells(page, "country").all_inner_texts()) == {"Japan"}


def test_switching_vintage_shows_that_load(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    daily = [str(i["load_id"]) for i in options["DAILY"]]
    page.select_option("#vintage-load-type", "DAILY")
    expect(page.locator("#vintage-load-id")).to_have_value(daily[0])  # newest first
    spec = {**base_spec(api), "vintage": {"load_type": "DAILY", "load_id": int(daily[0])}}
    expect_page(page, page_of(api, spec), "order_id", "load_id")
    page.select_option("#vintage-load-id", daily[-1])
    older = {**spec, "vintage": {"load_type": "DAILY", "load_id": int(daily[-1])}}
    result = page_of(api, older)
    expect_page(page, result, "order_id", "load_id")
    assert result["total_rows"] == options["DAILY"][-1]["rows"]
    option_text = page.locator("#vintage-load-id option").nth(1).inner_text()
    assert f"{options['DAILY'][0]['rows']:,}" in option_text  # row counts beside each load


def test_cost_gate_shows_a_friendly_banner_with_what_to_do(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.select_option("#vintage-load-id", "")  # every MONTH_END load at once
    spec = {**base_spec(api), "vintage": {"load_type": "MONTH_END", "load_id": None}}
    refused = query(api, spec)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "query_too_expensive"
    banner = page.locator("#error-banner")
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("too much data", timeout=TIMEOUT_MS)
    expect(banner).to_contain_text(error["message"])
    expect(banner).not_to_contain_text("Traceback")
    page.screenshot(path=str(ARTIFACTS / "cost-gate-banner-1366x768.png"))
    page.select_option("#vintage-load-type", "DAILY")
    expect(banner).to_have_count(0, timeout=TIMEOUT_MS)


def test_reset_all_returns_to_the_plain_dataset(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    page.select_option("#vintage-load-type", "DAILY")
    header(page, "Revenue").click()
    page.fill("#quick-search", "North")
    page.click("#columns-toggle")
    page.get_by_label("Country", exact=True).click()
    page.keyboard.press("Escape")
    expect(page.locator("#row-range")).not_to_have_text("", timeout=TIMEOUT_MS)
    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", "region")
    page.click("#aggregate-apply")
    grouped = {
        "dataset": SALES,
        "vintage": {"load_type": "DAILY", "load_id": None},
        "group_by": ["region"],
        "measures": [{"agg": "count", "alias": "row_count"}],
    }
    labels = [c["label"] for c in page_of(api, {**grouped, "page_size": 1})["columns"]]
    expect(headers(page)).to_have_text(labels, timeout=TIMEOUT_MS)

    page.click("#reset-all")
    expect(page.locator("#quick-search")).to_have_value("")
    expect(page.locator("#filter-pills .filter-pill")).to_have_count(0)
    opens_on = dataset_detail(api)["default_vintage"]  # one load, not every snapshot
    expect_outcome(page, api, {**base_spec(api), "vintage": opens_on}, "order_id")
    expect(page.locator("#vintage-load-type")).to_have_value(opens_on["load_type"])


def test_session_end_sends_the_user_back_to_login(page: Page, api: httpx.Client):
    made = api.post(
        "/api/admin/users",
        json={
            "username": f"viewer{int(time.time() * 1000) % 10**8}",
            "password": "Viewer-pass-12",
            "role": "viewer",
            "display_name": "Vera Viewer",
        },
    )
    assert made.status_code == 201, made.text
    user = made.json()
    login(page, user["username"], "Viewer-pass-12")
    expect(page.locator("#user-menu")).to_contain_text("Vera Viewer")
    pick(page, api, "employee_roster")
    assert api.delete(f"/api/admin/users/{user['id']}").status_code == 204
    page.click("#page-next")
    page.wait_for_url("**/login**", timeout=TIMEOUT_MS)
    expect(page.locator("#login-error")).to_contain_text("session has ended")


def test_a_disabled_account_is_named_only_after_the_right_password(page: Page, api: httpx.Client):
    name = f"gone{int(time.time() * 1000) % 10**8}"
    body = {"username": name, "password": "Gone-pass-12", "role": "viewer"}
    made = api.post("/api/admin/users", json=body)
    assert made.status_code == 201, made.text
    assert api.delete(f"/api/admin/users/{made.json()['id']}").status_code == 204
    page.goto("/login")
    wait_hydrated(page, "#login-submit")
    page.fill("#login-username", name)
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    error = page.locator("#login-error")
    expect(error).to_have_text("Wrong user name or password.", timeout=TIMEOUT_MS)
    page.fill("#login-password", "Gone-pass-12")
    page.click("#login-submit")
    expect(error).to_have_text("This account is disabled.", timeout=TIMEOUT_MS)
    # The UI forwarded the browser's address with its secret; the API believed it.
    params = {"action": "login.failure", "user": name}
    deadline = time.monotonic() + 10
    while len(rows := api.get("/api/admin/audit", params=params).json()["items"]) < 2:
        assert time.monotonic() < deadline, rows  # the audit log is written in batches
        time.sleep(0.2)
    assert {row["client_addr"] for row in rows} == {"127.0.0.1"}


def _state_files(states: Path, token: str) -> list[Path]:
    """The pickles Reflex's disk state manager keeps for one browser session."""
    import reflex as rx

    import aurora.aurora  # noqa: F401  (registers every state class)

    def all_states(cls: Any) -> list[Any]:
        found = [cls]
        for sub in cls.get_substates():
            found += all_states(sub)
        return found

    names = [f"{token}_{cls.get_full_name()}" for cls in all_states(rx.State)]
    paths = [states / f"{hashlib.md5(n.encode()).hexdigest()}.pkl" for n in names]
    return [p for p in paths if p.exists()]


def test_state_stays_small_after_browsing_a_million_row_dataset(
    page: Page, api: httpx.Client, states_dir: Path
):
    assert dataset_detail(api)["row_estimate"] >= 1_000_000 or pytest.skip("needs 1M rows")
    login(page, "admin", ADMIN_PASSWORD)
    spec = open_sales(page, api)
    for n in range(2, 6):
        page.click("#page-next")
        expect(page.locator("#row-range")).to_contain_text(f"{(n - 1) * 50 + 1:,}")
    header(page, "Revenue").click()
    page.fill("#quick-search", "a")
    expect_page(
        page,
        page_of(
            api,
            {
                **spec,
                "sort": [{"column": "revenue", "direction": "asc"}],
                "filters": _quick(api, "a"),
            },
        ),
        "order_id",
    )
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    time.sleep(3.5)  # the disk state manager writes after a 2 s debounce
    files = _state_files(states_dir, token)
    assert files, f"no state files for {token} in {states_dir}"
    size = sum(p.stat().st_size for p in files)
    (Path(__file__).parents[1] / "artifacts" / "state_size.json").write_text(
        json.dumps({"bytes": size, "files": len(files)})
    )
    assert size < 64 * 1024, f"session state is {size} bytes"


def _quick(api: httpx.Client, text: str) -> dict[str, Any]:
    cols = [
        c["name"] for c in dataset_detail(api)["columns"] if c["type"].upper().startswith("VARCHAR")
    ]
    return {
        "op": "or",
        "conditions": [{"column": c, "operator": "contains", "value": text} for c in cols],
    }


def test_dataset_label_is_shown_once_picked(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    pick(page, api, "employee_roster")
    result = page_of(api, base_spec(api, "employee_roster"))
    expect_page(page, result, "employee_id", "manager_id", "hire_date")
    expect(page.get_by_text(label_of(api, "employee_roster")).first).to_be_visible()
    names = [c["name"] for c in result["columns"]]
    nulls = [i for i, row in enumerate(result["rows"]) if row[names.index("manager_id")] is None]
    assert nulls, "the roster has employees without a manager"
    expect(cells(page, "manager_id").nth(nulls[0])).to_have_class(re.compile("aurora-null"))
    expect(cells(page, "employee_id").first).to_have_class(re.compile("ag-right-aligned-cell"))
    expect(cells(page, "full_name").first).not_to_have_class(re.compile("right-aligned"))
