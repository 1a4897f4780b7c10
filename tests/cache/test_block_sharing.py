"""Cold blocks cost the database as little as possible: the first page of a sort fetches one
block (a small top-N), a deeper one a run of blocks that doubles up to PAGE_PREFETCH_BLOCKS
(one sort pays for them all), a result over versioned data is
kept past CACHE_TTL (a new load is a new key), and with Redis two API processes asking for
the same cold rows at once run one query: the other waits for the rows the first one puts.
Queries are counted (the app's adapter, or the compute a cache is given)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from backend.services.result_cache import ResultCache
from backend.store.engine import Store
from tests.api.test_block_pages import SPEC, raw
from tests.cache.test_result_cache import RunCounter
from tests.conftest import TinyWarehouse
from tests.required import redis_client, redis_url
from tests.store.fixtures import Api, _running_api, make_settings

REDIS_DB = 3  # its own: no other test file uses it


@pytest.fixture
def span_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    yield from _running_api(
        sqlite_store,
        tmp_path,
        data_dir=tiny_warehouse.root,
        page_block_rows=100,
        page_prefetch_blocks=3,
        max_row_limit=350,
    )


def page(api: Api, number: int, size: int) -> Any:
    body = {**SPEC, "page": number, "page_size": size}
    r = api.client.post("/api/query", json=body, headers=api.headers())
    assert r.status_code == 200, r.text
    return r.json()


def row_queries(runs: RunCounter) -> list[str]:
    return [sql for sql in runs.calls if "LIMIT" in sql]  # not the counts


def test_the_first_page_of_a_sort_fetches_one_block_alone(
    span_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    runs = RunCounter(span_api)
    assert page(span_api, 1, 10)["rows"] == raw(tiny_warehouse, 10, 0)
    assert page(span_api, 10, 10)["rows"] == raw(tiny_warehouse, 10, 90)  # still block 0
    queries = row_queries(runs)
    assert len(queries) == 1 and queries[0].endswith("LIMIT 100"), queries


def test_pages_of_the_next_two_cold_blocks_cost_one_database_query(
    span_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    runs = RunCounter(span_api)
    for number in (25, 12, 30, 11, 20):  # blocks 2, 1, 2, 1, 1: the run after block 0
        body = page(span_api, number, 10)
        assert body["rows"] == raw(tiny_warehouse, 10, (number - 1) * 10)
        assert body["sql"].endswith(f"LIMIT 10 OFFSET {(number - 1) * 10}")
    queries = row_queries(runs)
    assert len(queries) == 1 and queries[0].endswith("LIMIT 200 OFFSET 100"), queries


def test_the_next_span_stops_at_the_row_limit(span_api: Api, tiny_warehouse: TinyWarehouse) -> None:
    runs = RunCounter(span_api)
    assert page(span_api, 33, 10)["rows"] == raw(tiny_warehouse, 10, 320)  # block 3 of 3..5
    assert page(span_api, 2, 100)["rows"] == raw(tiny_warehouse, 100, 100)
    queries = row_queries(runs)
    assert len(queries) == 2 and queries[0].endswith("LIMIT 50 OFFSET 300"), queries


def test_a_page_across_two_spans_equals_the_direct_page(
    span_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    runs = RunCounter(span_api)
    assert page(span_api, 7, 50)["rows"] == raw(tiny_warehouse, 50, 300)  # rows 300..349
    assert page(span_api, 5, 70)["rows"] == raw(tiny_warehouse, 70, 280)  # blocks 2 and 3
    assert len(row_queries(runs)) == 2


def test_a_result_of_versioned_data_outlives_cache_ttl(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    for api in _running_api(sqlite_store, tmp_path, data_dir=tiny_warehouse.root, cache_ttl=1):
        runs = RunCounter(api)
        first = page(api, 3, 10)
        ran = len(runs)
        time.sleep(1.5)
        assert page(api, 3, 10)["rows"] == first["rows"]
        assert len(runs) == ran  # the block is still kept: its data version has not changed


# -- two processes on one Redis --------------------------------------------------------------


def two_processes(sqlite_store: Store, tmp_path: Path) -> list[ResultCache]:
    """The result caches of two API processes on one Redis (emptied of results first)."""
    client = redis_client(REDIS_DB)
    for key in client.scan_iter("aurora:*"):
        client.delete(key)
    client.close()
    url = redis_url(REDIS_DB)
    return [
        ResultCache.from_settings(make_settings(tmp_path / n, sqlite_store, redis_url=url))
        for n in ("a", "b")
    ]


class Database:
    """Counts the queries the caches' computes run; each takes `delay_s`."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s, self.queries = delay_s, 0

    async def query(self, rows: int) -> pa.Table:
        self.queries += 1
        await asyncio.sleep(self.delay_s)
        return pa.table({"n": list(range(rows))})


@pytest.mark.redis
def test_two_processes_asking_for_one_cold_block_run_one_query(
    sqlite_store: Store, tmp_path: Path
) -> None:
    a, b = two_processes(sqlite_store, tmp_path)
    db = Database(delay_s=0.5)

    async def both() -> list[pa.Table]:
        try:
            return list(
                await asyncio.gather(
                    a.run("k", lambda: db.query(5)), b.run("k", lambda: db.query(5))
                )
            )
        finally:
            await a.aclose()
            await b.aclose()

    tables = asyncio.run(both())
    assert db.queries == 1
    assert tables[0].equals(tables[1])


@pytest.mark.redis
def test_a_block_of_a_span_another_process_runs_comes_from_its_query(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Process a runs the span (blocks k1, k2) under claim "span"; process b, asking for k2
    of the same span meanwhile, runs nothing and gets the rows a put."""
    a, b = two_processes(sqlite_store, tmp_path)
    db = Database(delay_s=0.5)

    async def span() -> pa.Table:
        table = await db.query(10)
        await a.keep("k2", table.slice(5, 5))
        return table.slice(0, 5)

    async def both() -> pa.Table:
        try:
            first = asyncio.create_task(a.run("k1", span, claim="span"))
            await asyncio.sleep(0.1)  # a holds the claim
            second = await b.run("k2", lambda: db.query(5), claim="span")
            await first
            return second
        finally:
            await a.aclose()
            await b.aclose()

    assert asyncio.run(both()).column("n").to_pylist() == [5, 6, 7, 8, 9]
    assert db.queries == 1


@pytest.mark.redis
def test_a_block_read_from_redis_is_then_served_from_the_process_memory(
    sqlite_store: Store, tmp_path: Path
) -> None:
    a, b = two_processes(sqlite_store, tmp_path)
    db = Database(delay_s=0.0)
    client = redis_client(REDIS_DB)

    async def run() -> pa.Table:
        try:
            await a.run("k", lambda: db.query(3))
            await b.run("k", lambda: db.query(3))  # from Redis
            for key in client.scan_iter("aurora:result:*"):
                client.delete(key)
            return await b.run("k", lambda: db.query(3))  # from b's own memory
        finally:
            await a.aclose()
            await b.aclose()

    assert asyncio.run(run()).num_rows == 3
    client.close()
    assert db.queries == 1
