"""Counts off the page's critical path, through the real app on the tiny warehouse: a page
whose count is still running answers at once with `total_pending`, `POST /api/count` joins
that count (one COUNT statement in all) and later pages carry the total; a page that shows
the end carries it itself; COUNT_MAX_ROWS keeps pages from counting, not /api/count.

The COUNT statement is slowed by wrapping the app's adapter instance (`adapter.run`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from sqlglot import exp

from backend.store.engine import Store
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api

COUNT_DELAY_S = 1.5


class SlowCounts:
    """Wraps `adapter.run`: COUNT statements sleep first and are counted."""

    def __init__(self, api: Api) -> None:
        adapter = api.app.state.context.services.adapter
        self._real = adapter.run
        self.counts = 0
        self._lock = threading.Lock()
        adapter.run = self.run

    def run(self, query: exp.Expression, **kwargs: Any) -> pa.Table:
        if 'COUNT(*) AS "n" FROM (' in query.sql(dialect="duckdb", identify=True):
            with self._lock:
                self.counts += 1
            time.sleep(COUNT_DELAY_S)
        return self._real(query, **kwargs)


@pytest.fixture
def count_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    # Blocks of 100 rows: the first page's block does not show the end of the 400 sales.
    yield from _running_api(
        sqlite_store, tmp_path, data_dir=tiny_warehouse.root, page_block_rows=100
    )


def post(api: Api, path: str, spec: dict[str, Any]) -> Any:
    r = api.client.post(path, json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    return r.json()


def raw_count(warehouse: TinyWarehouse, where: str) -> int:
    with duckdb.connect() as con:
        sql = f"SELECT count(*) FROM read_parquet('{warehouse.sales_path}/**/*.parquet', "
        row = con.execute(sql + f"hive_partitioning=true) WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


SPEC: dict[str, Any] = {
    "dataset": "sales",
    "vintage": {"all_loads": True},
    "columns": ["order_id", "amount"],
    "filters": {"conditions": [{"column": "quantity", "operator": ">", "value": 2}]},
    "sort": [{"column": "order_id"}],
    "page_size": 10,
}


def test_a_page_answers_before_its_count_and_count_joins_the_running_one(
    count_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    slow = SlowCounts(count_api)
    post(count_api, "/api/explain", SPEC)  # the gate decided before the clock starts
    started = time.perf_counter()
    page = post(count_api, "/api/query", SPEC)
    assert time.perf_counter() - started < COUNT_DELAY_S
    assert len(page["rows"]) == 10
    assert page["total_rows"] is None and page["total_pending"] is True

    counted = post(count_api, "/api/count", {**SPEC, "page": 3})
    expected = raw_count(tiny_warehouse, "quantity > 2")
    assert counted == {"total_rows": expected}
    assert slow.counts == 1  # /api/count joined the page's count

    later = post(count_api, "/api/query", {**SPEC, "page": 2})
    assert later["total_rows"] == expected and later["total_pending"] is False
    assert slow.counts == 1


def test_a_page_that_shows_the_end_carries_the_total_and_counts_nothing(
    count_api: Api, tiny_warehouse: TinyWarehouse
) -> None:
    slow = SlowCounts(count_api)
    spec = {**SPEC, "page_size": 1000}
    page = post(count_api, "/api/query", spec)
    expected = raw_count(tiny_warehouse, "quantity > 2")
    assert page["total_rows"] == expected == len(page["rows"])
    assert page["total_pending"] is False
    assert post(count_api, "/api/count", spec) == {"total_rows": expected}
    time.sleep(0.2)  # a count the page started is cancelled, never joined
    assert slow.counts <= 1


def test_pages_over_count_max_rows_do_not_count_but_api_count_does(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    root = tiny_warehouse.root
    for api in _running_api(
        sqlite_store, tmp_path, data_dir=root, count_max_rows=1, page_block_rows=100
    ):
        page = post(api, "/api/query", SPEC)
        assert page["total_rows"] is None and page["total_pending"] is False
        counted = post(api, "/api/count", SPEC)
        assert counted == {"total_rows": raw_count(tiny_warehouse, "quantity > 2")}


def test_count_of_a_viewer_counts_only_their_rows(count_api: Api) -> None:
    admin = count_api.headers()
    r = count_api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    viewer = count_api.new_user("ann", attributes={"region": ["North"]})
    spec = {**SPEC, "filters": None, "columns": ["order_id", "region"], "page_size": 1000}
    page = count_api.client.post("/api/query", json=spec, headers=viewer).json()
    counted = count_api.client.post("/api/count", json=spec, headers=viewer).json()
    assert counted["total_rows"] == len(page["rows"]) == page["total_rows"]
    assert {row[1] for row in page["rows"]} == {"North"}


GROUPED: dict[str, Any] = {
    "dataset": "sales",
    "vintage": {"all_loads": True},
    "measures": [{"column": "amount", "agg": "sum", "alias": "total"}],
    "page_size": 10,
}


@pytest.mark.parametrize(
    ("group_by", "pending"), [(["region"], False), (["order_id"], True)], ids=["few", "many"]
)
def test_a_grouped_page_counts_only_when_its_block_does_not_show_the_end(
    count_api: Api, group_by: list[str], pending: bool
) -> None:
    slow = SlowCounts(count_api)
    page = post(count_api, "/api/query", {**GROUPED, "group_by": group_by})
    assert page["total_pending"] is pending and (page["total_rows"] is None) is pending
    if pending:
        assert post(count_api, "/api/count", {**GROUPED, "group_by": group_by}) == {
            "total_rows": 400
        }
    assert slow.counts == (1 if pending else 0)
