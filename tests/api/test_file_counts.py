"""Counts from Parquet footers, through the real app on the tiny warehouse: a bare read of
a dataset (all loads, one load type, one load) has its total at once, with no COUNT
statement; a filter or a caller's row-level security is counted by the database. Blocks of
100 rows, so the first page never shows the end of the 400 sales itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.api.test_counts import SlowCounts
from tests.conftest import SALES_ROWS_PER_LOAD, TinyWarehouse
from tests.store.fixtures import Api, _running_api


@pytest.fixture
def files_api(sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse) -> Iterator[Api]:
    root = tiny_warehouse.root
    yield from _running_api(sqlite_store, tmp_path, data_dir=root, page_block_rows=100)


def post(api: Api, path: str, spec: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    r = api.client.post(path, json=spec, headers=headers or api.headers())
    assert r.status_code == 200, r.text
    return r.json()


BASE: dict[str, Any] = {"dataset": "sales", "columns": ["order_id", "region"], "page_size": 10}
BARE = [
    ({"all_loads": True}, 5 * SALES_ROWS_PER_LOAD),
    ({"load_type": "DAILY"}, 3 * SALES_ROWS_PER_LOAD),
    ({"load_type": "DAILY", "load_id": 20240102}, SALES_ROWS_PER_LOAD),
    ({"load_type": "MONTH_END", "load_id": 20240131}, SALES_ROWS_PER_LOAD),
    ({"load_type": "DAILY", "load_id": 20990101}, 0),
]


@pytest.mark.parametrize(("vintage", "rows"), BARE, ids=[str(v) for v, _ in BARE])
def test_a_bare_read_is_counted_from_the_footers(
    files_api: Api, vintage: dict[str, Any], rows: int
) -> None:
    slow = SlowCounts(files_api)
    spec = {**BASE, "vintage": vintage}
    page = post(files_api, "/api/query", spec)
    assert page["total_rows"] == rows and page["total_pending"] is False
    assert post(files_api, "/api/count", spec) == {"total_rows": rows}
    assert slow.counts == 0


def test_a_new_load_is_counted_at_once(files_api: Api, tiny_warehouse: TinyWarehouse) -> None:
    spec = {**BASE, "vintage": {"all_loads": True}}
    before = post(files_api, "/api/count", spec)["total_rows"]
    tiny_warehouse.add_sales_load("DAILY", 20240104, rows=7)
    files_api.app.state.context.services.catalog.refresh()  # the catalog would notice within 1 s
    assert post(files_api, "/api/count", spec) == {"total_rows": before + 7}


def test_a_filter_or_row_security_is_counted_by_the_database(files_api: Api) -> None:
    slow = SlowCounts(files_api)
    spec = {**BASE, "vintage": {"all_loads": True}}
    where = {"conditions": [{"column": "region", "operator": "is_not_null"}]}
    filtered = post(files_api, "/api/count", {**spec, "filters": where})["total_rows"]
    assert 0 < filtered < 5 * SALES_ROWS_PER_LOAD and slow.counts == 1
    r = files_api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=files_api.headers(),
    )
    assert r.status_code == 200, r.text
    ann = files_api.new_user("ann", attributes={"region": ["North"]})
    counted = post(files_api, "/api/count", spec, ann)["total_rows"]
    whole = post(files_api, "/api/query", {**spec, "page_size": 1000}, ann)
    assert counted == len(whole["rows"]) and slow.counts == 2
