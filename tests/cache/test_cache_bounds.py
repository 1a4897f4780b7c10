"""Every in-process cache stays under its byte bound, counted as what it really keeps alive:
the result cache in the Arrow buffers its tables hold (a block cut from a span's table does
not keep the span's other rows), kept compiles in their trees, gate decisions and counts in
their SQL keys, and the SQL texts rendered from trees without keeping the trees. Through the
real app too: many distinct filtered specs leave /metrics' `aurora_cache_bytes` under each
bound."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from sqlglot import parse_one

from backend.query.context import CompiledQuery
from backend.services.paged_sql import PagedSql
from backend.services.prepared import PreparedQueries, prepared_key
from backend.services.result_cache import MemoryStore
from backend.services.ttl_cache import TtlCache
from backend.store.engine import Store
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api

MIB = 2**20


def held_bytes(tables: list[pa.Table]) -> int:
    """The bytes of the distinct buffers `tables` keep alive (a slice: its parent's)."""
    seen: dict[int, int] = {}
    for table in tables:
        for column in table.columns:
            for chunk in column.chunks:
                for buffer in chunk.buffers():
                    if buffer is not None:
                        seen[buffer.address] = max(seen.get(buffer.address, 0), buffer.size)
    return sum(seen.values())


def span_table(first: int, rows: int = 8000) -> pa.Table:
    ids = list(range(first, first + rows))
    return pa.table({"id": ids, "name": [f"customer {i:08d} of the span" for i in ids]})


def test_blocks_cut_from_spans_keep_no_more_than_the_bound_alive() -> None:
    store = MemoryStore(ttl_s=3600, max_bytes=1 * MIB)
    for span in range(40):  # 40 spans of 8 blocks, every block kept as a slice of its span
        whole = span_table(span * 8000)
        for block in range(8):
            asyncio.run(store.put(f"{span}:{block}", whole.slice(block * 1000, 1000)))
        del whole
    gc.collect()
    kept = [item[1] for item in store._data.values()]
    assert len(kept) < 40 * 8  # it had to let blocks go
    assert store.bytes <= 1 * MIB
    assert held_bytes(kept) <= 1 * MIB


def test_a_block_whose_span_neighbours_went_first_does_not_keep_them() -> None:
    store = MemoryStore(ttl_s=3600, max_bytes=1 * MIB)
    whole = span_table(0)
    asyncio.run(store.put("first block", whole.slice(0, 1000)))
    del whole
    for span in range(1, 20):  # other results push the rest out; the first block is read
        asyncio.run(store.put(f"other {span}", span_table(span * 8000, rows=1000)))
        assert asyncio.run(store.get("first block")) is not None
    kept = [item[1] for item in store._data.values()]
    assert held_bytes(kept) <= 1 * MIB


def compiled(n: int) -> CompiledQuery:
    values = ", ".join(f"'value {n} {i}'" for i in range(40))
    tree = parse_one(f"SELECT a, b, c FROM t WHERE a IN ({values}) ORDER BY b LIMIT 1")
    unpaged = parse_one(f"SELECT a, b, c FROM t WHERE a IN ({values}) ORDER BY b")
    count = parse_one(f"SELECT COUNT(*) FROM t WHERE a IN ({values})")
    return CompiledQuery(paged=tree, unpaged=unpaged, count=count, columns=(), datasets=("t",))


def test_kept_compiles_stay_under_their_byte_bound() -> None:
    from backend.query.spec import QuerySpec

    kept = PreparedQueries(maxsize=1024, max_bytes=1 * MIB)
    for n in range(200):
        spec = QuerySpec(dataset="t", columns=["a"], filters=None, page=1)
        key = prepared_key(spec, "duckdb", ("viewer", n))
        kept.put(key, compiled(n))
    assert 0 < len(kept) < 200
    assert kept.bytes <= 1 * MIB


def test_gate_decisions_and_counts_stay_under_their_byte_bound() -> None:
    cache: TtlCache[int] = TtlCache(maxsize=4096, ttl_s=60, max_bytes=64 * 1024)
    for n in range(1000):
        cache.put(f"v1|SELECT COUNT(*) FROM t WHERE a = {n} AND b IN ({'1, ' * 200}2)", n)
    assert len(cache) < 1000
    assert cache.bytes <= 64 * 1024


def test_page_templates_keep_no_tree_alive() -> None:
    pages = PagedSql(lambda tree: tree.sql(dialect="duckdb"))
    tree = parse_one("SELECT a FROM t ORDER BY a")
    assert pages.sql(tree, 100, 50) == "SELECT a FROM t ORDER BY a NULLS FIRST LIMIT 50 OFFSET 100"
    watched = weakref.ref(tree)
    del tree
    gc.collect()
    assert watched() is None


# -- through the app ---------------------------------------------------------------------------


@pytest.fixture
def wide_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    """A 20,000-row dataset `wide` beside the tiny warehouse, and caches of 1 MB each."""
    path = tiny_warehouse.root / "wide.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT i AS id, i % 97 AS grp, 'customer ' || lpad(i::VARCHAR, 8, '0') "
            f"|| ' of a long name' AS name FROM range(20000) t(i)) TO '{path}' (FORMAT parquet)"
        )
    yield from _running_api(
        sqlite_store,
        tmp_path,
        data_dir=tiny_warehouse.root,
        result_cache_max_mb=1,
        query_cache_max_mb=1,
    )


def cache_bytes(api: Api) -> dict[str, float]:
    text = api.client.get("/metrics", headers=api.headers()).text
    found = {}
    for line in text.splitlines():
        if line.startswith("aurora_cache_bytes{"):
            name = line.split('cache="')[1].split('"')[0]
            found[name] = float(line.rsplit(" ", 1)[1])
    return found


def spec(n: int) -> dict[str, Any]:
    groups = [g for g in range(97) if g % 7 != n % 7]  # a long IN list, different each time
    return {
        "dataset": "wide",
        "columns": ["id", "grp", "name"],
        "filters": {
            "conditions": [
                {"column": "id", "operator": ">=", "value": n * 37},
                {"column": "grp", "operator": "in", "value": groups},
            ]
        },
        "sort": [{"column": "name", "direction": "desc" if n % 2 else "asc"}],
        "page_size": 50,
    }


def test_many_distinct_specs_leave_every_cache_under_its_bound(wide_api: Api) -> None:
    for n in range(60):
        r = wide_api.client.post("/api/query", json=spec(n), headers=wide_api.headers())
        assert r.status_code == 200, r.text
    held = cache_bytes(wide_api)
    assert held["result"] > 0.5 * MIB  # the specs filled it: the bound was what held it
    assert held["result"] <= 1 * MIB
    assert held["compiled"] <= MIB / 2
    for name in ("rendered", "templates", "gate", "count"):
        assert held[name] <= MIB / 8
    store = wide_api.app.state.context.services.queries.results.store
    kept = [item[1] for item in store._data.values()]
    assert held_bytes(kept) <= 1 * MIB
