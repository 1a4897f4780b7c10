"""Signing in and browsing, on both server shapes (the deployed one keeps users in PostgreSQL
and Reflex state in Redis): the landing page runs no query, as the API's own metrics and
audit log show, and a picked dataset and load show the API's first page."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD, DeployedShape
from tests.e2e.helpers import (
    SALES,
    TIMEOUT_MS,
    base_spec,
    cells,
    dataset_detail,
    login,
    metric_total,
    page_of,
    pick,
)

pytestmark = [pytest.mark.e2e, pytest.mark.deployed]

VIEWER_PASSWORD = "lazy-Viewer-pass-1"
# Routes that run SQL on the warehouse (the route label /metrics gives each request).
QUERY_ROUTE = re.compile(
    r"^/api/(query|preview|explain|exports|datasets/\{[^}]+\}/(table|pivot|drilldown|values|export))"
)
SERIES = re.compile(r"^aurora_http_requests_total\{(?P<labels>[^}]*)\} (?P<value>\S+)$")


def _query_requests(api: httpx.Client) -> dict[str, float]:
    """Requests so far to each route that runs a query, from the API's /metrics."""
    counts: dict[str, float] = {}
    for line in api.get("/metrics").text.splitlines():
        if found := SERIES.match(line):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', found["labels"]))
            if QUERY_ROUTE.match(labels.get("route", "")):
                route = labels["route"]
                counts[route] = counts.get(route, 0.0) + float(found["value"])
    return counts


def _audit_actions(api: httpx.Client, username: str) -> list[str]:
    answer = api.get("/api/admin/audit", params={"user": username, "page_size": 500})
    answer.raise_for_status()
    return sorted(item["action"] for item in answer.json()["items"])


def _new_viewer(api: httpx.Client) -> str:
    username = f"lazy_{uuid.uuid4().hex[:8]}"
    body = {"username": username, "password": VIEWER_PASSWORD, "role": "viewer"}
    made = api.post("/api/admin/users", json={**body, "attributes": {}})
    assert made.status_code == 201, made.text
    return username


def test_signing_in_lands_on_the_dataset_list_and_runs_no_query(
    page: Page, api: httpx.Client, deployed: DeployedShape | None
):
    username = _new_viewer(api)
    queries_before = metric_total(api, "aurora_query_seconds_count")
    requests_before = _query_requests(api)

    login(page, username, VIEWER_PASSWORD)
    expect(page.locator("#dataset-empty")).to_be_visible()
    expect(page.locator("#grid")).to_have_count(0)
    expect(page.locator("#dataset-picker [role=option]").first).to_be_visible()
    page.wait_for_timeout(2_000)  # what the landing page would start, it has started by now

    assert metric_total(api, "aurora_query_seconds_count") == queries_before
    assert _query_requests(api) == requests_before
    deadline = time.monotonic() + 15  # the audit log is written in batches
    while "login.success" not in _audit_actions(api, username):
        assert time.monotonic() < deadline, "the sign-in never reached the audit log"
        time.sleep(0.5)
    assert set(_audit_actions(api, username)) == {"login.success"}
    if deployed is not None:  # the user lives in PostgreSQL, the Reflex session in Redis
        assert username in deployed.users()
        assert deployed.reflex_states() > 0


def _column(result: dict[str, Any], name: str) -> list[Any]:
    at = [c["name"] for c in result["columns"]].index(name)
    return [row[at] for row in result["rows"]]


def test_a_picked_dataset_and_load_show_the_api_first_page(page: Page, api: httpx.Client):
    login(page, "admin", ADMIN_PASSWORD)
    pick(page, api, SALES, wait=False)
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    newest = options["MONTH_END"][0]["load_id"]
    page.select_option("#vintage-load-type", "MONTH_END")
    spec = {**base_spec(api), "vintage": {"load_type": "MONTH_END", "load_id": newest}}
    result = page_of(api, spec)
    assert len(result["rows"]) == 50
    # Plain text columns show the value itself, and an empty cell the word null.
    for column in ("region", "country", "channel", "currency"):
        values = _column(result, column)
        expect(cells(page, column)).to_have_text(
            ["null" if v is None else v for v in values], timeout=TIMEOUT_MS
        )
    total = result["total_rows"]  # unknown (None) when counting would cost too much
    span = "1\u201350"  # with an en dash
    expect(page.locator("#row-range")).to_have_text(
        span if total is None else f"{span} of {total:,}"
    )
