"""What the API does when the explorer opens a dataset (aurora/state/explorer.py): the
dataset's detail (`GET /api/datasets/{key}`, vintage options with it), then the first page
(`POST /api/query`), then `POST /api/count` only when the page came before its count; a next
page and a header sort are one `POST /api/query` each. Warm, every one of those is answered
from the caches: not one statement reaches the database. Statements are counted by wrapping
the app's adapter (`adapter.run`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlglot import exp

from backend.store.engine import Store
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api


class Statements:
    """Wraps `adapter.run`: every statement the database is asked, counted."""

    def __init__(self, api: Api) -> None:
        adapter = api.app.state.context.services.adapter
        self._real, self.run_count, self._lock = adapter.run, 0, threading.Lock()
        adapter.run = self.run

    def run(self, query: exp.Expression, **kwargs: Any) -> pa.Table:
        with self._lock:
            self.run_count += 1
        return self._real(query, **kwargs)


@pytest.fixture
def ui_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    yield from _running_api(sqlite_store, tmp_path, data_dir=tiny_warehouse.root)


def _page(api: Api, spec: dict[str, Any]) -> dict[str, Any]:
    """A page as the explorer asks it: the count after it only when the page came first."""
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    page.pop("elapsed_ms")  # the one field that differs between two answers
    if page["total_pending"]:
        counted = api.client.post("/api/count", json=spec, headers=api.headers())
        assert counted.status_code == 200, counted.text
        page["total_rows"] = counted.json()["total_rows"]
    return page


def _open(api: Api, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    r = api.client.get(f"/api/datasets/{key}", headers=api.headers())
    assert r.status_code == 200, r.text
    detail = r.json()
    spec: dict[str, Any] = {"dataset": key, "columns": [c["name"] for c in detail["columns"]]}
    if detail["default_vintage"]:
        spec["vintage"] = detail["default_vintage"]
    spec |= {"sort": [], "page": 1, "page_size": 10}
    return spec, _page(api, spec)


def test_a_warm_open_next_page_and_sort_send_nothing_to_the_database(ui_api: Api) -> None:
    clicks = []
    for _ in range(2):
        spec, first = _open(ui_api, "sales")
        second = _page(ui_api, spec | {"page": 2})
        by_amount = _page(ui_api, spec | {"sort": [{"column": "amount", "direction": "desc"}]})
        clicks.append((first, second, by_amount))
    statements = Statements(ui_api)
    spec, first = _open(ui_api, "sales")
    second = _page(ui_api, spec | {"page": 2})
    by_amount = _page(ui_api, spec | {"sort": [{"column": "amount", "direction": "desc"}]})
    assert statements.run_count == 0
    assert (first, second, by_amount) == clicks[-1]  # the same answers, totals included
    assert first["rows"] and second["rows"] and first["rows"] != second["rows"]
    assert first["total_rows"] == by_amount["total_rows"] > 10
