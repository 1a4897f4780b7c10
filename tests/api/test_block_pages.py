"""Pages cut from cached blocks, through the real app on the tiny warehouse: ten 10-row
pages of a sorted result cost one database query (blocks of 100 rows), a page straddling two
blocks or bigger than a block still gives the direct LIMIT/OFFSET rows, `sql` shows the
page's own SQL, MAX_ROW_LIMIT still refuses, and AG Grid's /table blocks come from the same
cached blocks; with the result cache off a page asks for its own rows. Rows are checked
against hand-written DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest

from backend.store.engine import Store
from tests.cache.test_result_cache import RunCounter
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api


@pytest.fixture
def block_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    yield from _running_api(
        sqlite_store,
        tmp_path,
        data_dir=tiny_warehouse.root,
        page_block_rows=100,
        page_prefetch_blocks=1,  # each block alone (tests/cache/test_block_sharing.py: spans)
        max_row_limit=350,
    )


def raw(warehouse: TinyWarehouse, limit: int, offset: int) -> list[list[Any]]:
    source = f"read_parquet('{warehouse.sales_path}/**/*.parquet', hive_partitioning=true)"
    sql = (
        f"SELECT customer, order_id FROM {source} ORDER BY customer DESC NULLS FIRST, "
        f"order_id LIMIT {limit} OFFSET {offset}"
    )
    with duckdb.connect() as con:
        return [list(row) for row in con.execute(sql).fetchall()]


SPEC: dict[str, Any] = {
    "dataset": "sales",
    "vintage": {"all_loads": True},
    "columns": ["customer", "order_id"],
    "sort": [{"column": "customer", "direction": "desc"}],  # ties and NULLs
}


def page(api: Api, number: int, size: int) -> Any:
    r = api.client.post(
        "/api/query", json={**SPEC, "page": number, "page_size": size}, headers=api.headers()
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_ten_pages_of_a_block_cost_one_database_query(
    block_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    runs = RunCounter(block_api)
    for number in range(1, 11):
        body = page(block_api, number, 10)
        assert body["rows"] == raw(tiny_warehouse, 10, (number - 1) * 10)
    assert len([sql for sql in runs.calls if "LIMIT 100" in sql]) == 1
    assert body["sql"].endswith("LIMIT 10 OFFSET 90")  # the page's own SQL


@pytest.mark.parametrize(
    ("number", "size"),
    [(10, 11), (2, 70), (1, 200), (2, 150), (7, 50)],
    ids=["straddles", "straddles-wide", "two-blocks", "crosses-three", "last-rows"],
)
def test_a_page_across_blocks_equals_the_direct_page(
    block_api: Api, tiny_warehouse: TinyWarehouse, number: int, size: int
) -> None:
    body = page(block_api, number, size)
    assert body["rows"] == raw(tiny_warehouse, size, (number - 1) * size)


def test_the_last_block_tells_the_total(block_api: Api, tiny_warehouse: TinyWarehouse) -> None:
    # 400 sales, but the block of rows 300..349 stops at MAX_ROW_LIMIT (350): no end seen.
    body = page(block_api, 31, 10)
    assert len(body["rows"]) == 10 and body["total_rows"] in (None, 400)
    r = block_api.client.post(
        "/api/query", json={**SPEC, "page": 36, "page_size": 10}, headers=block_api.headers()
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "row_limit_exceeded"


def test_grid_blocks_are_cut_from_the_cached_blocks(
    block_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    runs = RunCounter(block_api)
    request = {
        "startRow": 0,
        "endRow": 20,
        "rowGroupCols": [],
        "valueCols": [],
        "pivotCols": [],
        "pivotMode": False,
        "groupKeys": [],
        "filterModel": {},
        "sortModel": [{"colId": "customer", "sort": "desc"}],
    }
    seen = []
    for start in (0, 20, 40, 60):  # each asks one row more: 21 rows, all in block 0
        r = block_api.client.post(
            "/api/datasets/sales/table",
            json={**request, "startRow": start, "endRow": start + 20},
            headers=block_api.headers(),
        )
        assert r.status_code == 200, r.text
        seen += [row["order_id"] for row in r.json()["rowData"]]
    assert len(seen) == 80 == len(set(seen))
    assert len([sql for sql in runs.calls if "LIMIT 100" in sql]) == 1


def test_with_the_cache_off_a_page_asks_for_its_own_rows_once_for_concurrent_askers(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    # Nothing would keep a block's other rows, so none is fetched: the database is asked for
    # the page itself, and identical pages asked at the same time share that one query.
    root = tiny_warehouse.root
    for api in _running_api(
        sqlite_store, tmp_path, data_dir=root, page_block_rows=100, result_cache=False
    ):
        runs = RunCounter(api, delay_s=2.0)  # long enough for all requests to overlap, under load
        with ThreadPoolExecutor(max_workers=6) as pool:
            pages = list(pool.map(lambda _, a=api: page(a, 3, 10)["rows"], range(6)))
        runs.delay_s = 0.0  # the rest asks one at a time
        assert pages == [raw(tiny_warehouse, 10, 20)] * 6
        assert len([sql for sql in runs.calls if sql.endswith("LIMIT 10 OFFSET 20")]) == 1
        assert page(api, 14, 10)["rows"] == raw(tiny_warehouse, 10, 130)
        assert not [sql for sql in runs.calls if "LIMIT 100" in sql]  # never a block
        page(api, 3, 10)  # nothing kept: the next request asks again
        assert len([sql for sql in runs.calls if sql.endswith("LIMIT 10 OFFSET 20")]) == 2
