"""The result cache through the real app on a writable tiny warehouse: a hit for an equal
spec written differently, a miss after a new load, no rows shared between users whose
row-level security differs, and one database query for many identical concurrent requests.

Database work is counted by wrapping the app's adapter instance (`adapter.run`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlglot import exp

from backend.store.engine import Store
from tests.conftest import REGIONS, TinyWarehouse
from tests.required import redis_client, redis_url
from tests.store.fixtures import Api, _running_api


class RunCounter:
    """Wraps `adapter.run` on the instance: counts statements, optionally slows them (set
    `delay_s` back to 0 once the part that needs overlapping requests is over)."""

    def __init__(self, api: Api, delay_s: float = 0.0) -> None:
        adapter = api.app.state.context.services.adapter
        self._real = adapter.run
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self.delay_s = delay_s
        adapter.run = self.run

    def run(self, query: exp.Expression, **kwargs: Any) -> pa.Table:
        with self._lock:
            self.calls.append(query.sql(dialect="duckdb"))
        time.sleep(self.delay_s)
        return self._real(query, **kwargs)

    def __len__(self) -> int:
        return len(self.calls)


@pytest.fixture
def cache_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    yield from _running_api(sqlite_store, tmp_path, data_dir=tiny_warehouse.root)


def query(api: Api, spec: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    r = api.client.post("/api/query", json=spec, headers=headers or api.headers())
    assert r.status_code == 200, r.text
    return r.json()


def lookups(api: Api, result: str) -> float:
    value = api.app.state.metrics.registry.get_sample_value(
        "aurora_cache_lookups_total", {"cache": "result", "result": result}
    )
    return value or 0.0


def detail(*conditions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "dataset": "sales",
        "columns": ["order_id", "region", "amount"],
        "filters": {"conditions": list(conditions)},
        "sort": [{"column": "order_id"}],
        "page_size": 1000,
        **extra,
    }


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def test_an_equal_spec_in_another_order_is_served_from_the_cache(cache_api: Api) -> None:
    first = detail(cond("region", "in", ["North", "South"]), cond("quantity", ">", 3))
    second = detail(cond("quantity", ">", 3), cond("region", "in", "South,North"))
    runs = RunCounter(cache_api)
    expected = query(cache_api, first)
    ran = len(runs)
    assert ran >= 1
    again = query(cache_api, second)
    assert len(runs) == ran  # nothing ran for the second spec
    assert again["rows"] == expected["rows"] and again["total_rows"] == expected["total_rows"]
    assert lookups(cache_api, "hit") >= 1


def test_a_new_load_is_a_miss(cache_api: Api, tiny_warehouse: TinyWarehouse) -> None:
    spec = detail(cond("load_type", "=", "DAILY"))
    runs = RunCounter(cache_api)
    before = query(cache_api, spec)
    query(cache_api, spec)
    ran = len(runs)
    tiny_warehouse.add_sales_load("DAILY", 20240104, rows=7)
    cache_api.app.state.context.services.catalog.refresh()  # the catalog would notice within 1 s
    after = query(cache_api, spec)
    assert len(runs) > ran
    assert after["total_rows"] == before["total_rows"] + 7


def test_users_with_different_row_filters_never_share_rows(cache_api: Api) -> None:
    admin = cache_api.headers()
    r = cache_api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    ann = cache_api.new_user("ann", attributes={"region": ["North"]})
    bob = cache_api.new_user("bob", attributes={"region": ["South"]})
    spec = detail(cond("quantity", ">", 0))
    runs = RunCounter(cache_api)
    anns = query(cache_api, spec, ann)
    ran = len(runs)
    bobs = query(cache_api, spec, bob)
    assert len(runs) > ran  # bob's query ran: ann's entry is not his
    assert {row[1] for row in anns["rows"]} == {"North"}
    assert {row[1] for row in bobs["rows"]} == {"South"}
    ran = len(runs)
    assert query(cache_api, spec, ann)["rows"] == anns["rows"]
    assert query(cache_api, spec, bob)["rows"] == bobs["rows"]
    assert len(runs) == ran  # each user's own entry is a hit


def test_identical_concurrent_requests_run_one_query(cache_api: Api) -> None:
    spec = detail(cond("region", "=", REGIONS[2]), cond("quantity", "between", [2, 5]))
    headers = cache_api.headers()
    runs = RunCounter(cache_api, delay_s=0.5)  # long enough for all requests to overlap
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda _i: query(cache_api, spec, headers), range(8)))
    assert len(runs) == 1, runs.calls
    assert all(body["rows"] == bodies[0]["rows"] for body in bodies)
    assert lookups(cache_api, "miss") == 1
    assert lookups(cache_api, "shared") + lookups(cache_api, "hit") == 7


def test_without_the_cache_every_request_runs(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path
) -> None:
    for api in _running_api(sqlite_store, tmp_path, data_dir=shared_warehouse, result_cache=False):
        spec = detail(cond("quantity", ">", 3))
        runs = RunCounter(api)
        query(api, spec)
        ran = len(runs)
        query(api, spec)
        assert len(runs) == 2 * ran


REDIS_URL = redis_url(10)


@pytest.mark.redis
def test_with_redis_a_second_process_gets_the_first_ones_rows(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path
) -> None:
    """Two apps (as two API processes) on one Redis: the second runs nothing."""
    client = redis_client(10)
    for key in client.scan_iter("aurora:result:*"):
        client.delete(key)
    client.close()
    spec = detail(
        cond("quantity", ">", 5), columns=["order_id", "order_date", "amount", "is_return"]
    )
    bodies = []
    for n in (1, 2):
        for api in _running_api(
            sqlite_store, tmp_path / str(n), data_dir=shared_warehouse, redis_url=REDIS_URL
        ):
            runs = RunCounter(api)
            bodies.append(query(api, spec))
            assert len(runs) == (1 if n == 1 else 0)
    assert bodies[0]["rows"] == bodies[1]["rows"] and bodies[0]["columns"] == bodies[1]["columns"]
