"""Finding 6 of the security review: an export that the database refuses failed with the
database's own words (`Overflow in multiplication of INT64 (36 * ...)`, a row value in it).
It now fails with the same friendly, value-free message /api/query gives for the same spec,
and the database's words go to the server log, under the export's id."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.store.fixtures import USER_PASSWORD, Api, _running_api

BIG = 4_611_686_018_427_387_904  # 2**62: twice it overflows a BIGINT
OVERFLOW = {
    "dataset": "sales",
    "calculated": [{"name": "huge", "expr": f"order_id * {BIG}"}],
    "columns": ["order_id", "huge"],
    "sort": [{"column": "order_id"}],
}


@pytest.fixture(scope="module")
def export_api(
    sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, shared_warehouse: Path
) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("export_errors")
    for api in _running_api(sqlite_store, folder, data_dir=shared_warehouse, redis_url=None):
        api.new_user("eve")
        yield api


def _failed_export(api: Api, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    r = api.client.post("/api/exports", json=body, headers=headers)
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 60
    while True:
        job = api.client.get(f"/api/exports/{r.json()['id']}", headers=headers).json()
        if job["status"] in ("done", "failed", "cancelled"):
            return dict(job)
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_refused_export_says_what_api_query_says_without_values(
    export_api: Api, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = export_api.headers("eve", USER_PASSWORD)
    page = export_api.client.post("/api/query", json=OVERFLOW, headers=headers)
    assert page.status_code == 502, page.text
    expected = page.json()["error"]["message"]
    with caplog.at_level(logging.WARNING):
        job = _failed_export(export_api, {"query": OVERFLOW, "format": fmt}, headers)
    assert job["status"] == "failed"
    assert job["error"] == expected
    for leak in ("Overflow", "INT64", str(BIG), "AdapterQueryError"):
        assert leak not in job["error"]
    logged = [r for r in caplog.records if job["id"] in r.getMessage()]
    assert any("Overflow" in r.getMessage() for r in logged), [r.getMessage() for r in logged]
    assert all(getattr(r, "request_id", None) == f"export-{job['id']}" for r in logged)
