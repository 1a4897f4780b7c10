"""Gate decisions through the real app on the tiny warehouse: kept as long as the data
version (not CACHE_TTL, here 0), judged again after a new load, and a join-free query on one
DuckDB dataset whose Parquet footers count few enough rows needs no EXPLAIN at all.

EXPLAIN round trips are counted by wrapping the app's adapter instance (`adapter.explain`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlglot import exp

from adapters.base import Estimate
from backend.store.engine import Store
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api


class Explains:
    """Wraps `adapter.explain` on the instance and counts the calls."""

    def __init__(self, api: Api) -> None:
        adapter = api.app.state.context.services.adapter
        self._real = adapter.explain
        self.calls = 0
        self._lock = threading.Lock()
        adapter.explain = self.explain

    def explain(self, query: exp.Expression) -> Estimate:
        with self._lock:
            self.calls += 1
        return self._real(query)


def running(store: Store, tmp: Path, warehouse: TinyWarehouse, **settings: Any) -> Iterator[Api]:
    return _running_api(store, tmp, data_dir=warehouse.root, cache_ttl=0, **settings)


@pytest.fixture
def no_cache_api(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> Iterator[Api]:
    yield from running(sqlite_store, tmp_path, tiny_warehouse)


def post(api: Api, spec: dict[str, Any], path: str = "/api/query") -> Any:
    r = api.client.post(path, json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    return r.json()


SALES = {
    "dataset": "sales",
    "vintage": {"all_loads": True},
    "columns": ["order_id", "amount"],
    "filters": {"conditions": [{"column": "quantity", "operator": ">", "value": 2}]},
    "page_size": 10,
}
JOINED = {
    **SALES,
    "joins": [{"dataset": "items", "on": [{"left": "quantity", "right": "item_id"}]}],
}


def test_a_small_single_dataset_query_needs_no_explain(no_cache_api: Api) -> None:
    explains = Explains(no_cache_api)
    for page in (1, 2, 3):
        post(no_cache_api, {**SALES, "page": page})
    body = post(no_cache_api, SALES, "/api/explain")
    assert explains.calls == 0
    assert body["allowed"] is True and body["estimated_rows"] == 400  # every row, at most


def test_a_join_is_explained_once_per_data_version_even_without_a_result_cache(
    no_cache_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    explains = Explains(no_cache_api)
    for page in (1, 2, 3):
        post(no_cache_api, {**JOINED, "page": page})
    assert explains.calls == 1
    tiny_warehouse.add_sales_load("DAILY", 20240104)
    no_cache_api.app.state.context.services.catalog.refresh()  # the catalog would notice within 1 s
    post(no_cache_api, JOINED)
    post(no_cache_api, {**JOINED, "page": 2})
    assert explains.calls == 2


def test_a_dataset_with_more_rows_than_count_max_rows_is_explained(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    for api in running(sqlite_store, tmp_path, tiny_warehouse, count_max_rows=100):
        explains = Explains(api)
        post(api, SALES)
        post(api, {**SALES, "page": 2})
        assert explains.calls == 1
