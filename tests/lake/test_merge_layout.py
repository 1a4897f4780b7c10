"""A push merge into the demo's sales rewrites only the files holding its keys: each file is
one range of order ids, the newest range the smallest (backend.demo.build.sales_ranges), and
the size the table lets a compaction pack files up to keeps the ranges apart.
delta-rs rewrites every file holding a changed row whole, so the rows a merge writes are
the rows of the files its keys fall in."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from backend.demo import build_demo
from backend.demo.build import sales_ranges
from backend.demo.constants import FIRST_ORDER_ID
from backend.demo.delta import COMPACT_BYTES
from backend.lake import maintenance
from backend.lake.changes import Event, merge

ROWS, CHUNK, NEWEST = 40_000, 16_000, 4_000
CHANGED = 1_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layout") / "warehouse"
    build_demo(out, ROWS, progress=lambda _: None, chunk_rows=CHUNK, newest_rows=NEWEST)
    return out / "global_sales"


@pytest.fixture
def sales(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo's sales to merge into (the module's build stays at version 0)."""
    return Path(shutil.copytree(demo, tmp_path / "global_sales"))


def _files(folder: Path) -> list[dict[str, Any]]:
    return pa.table(DeltaTable(str(folder)).get_add_actions(flatten=True)).to_pylist()


def _newest_orders(folder: Path) -> list[Event]:
    """The newest CHANGED orders with one more item each, as upserts."""
    files = DeltaTable(str(folder)).file_uris()
    with duckdb.connect() as con:
        rows = con.sql(
            f"SELECT * FROM read_parquet({files!r}, hive_partitioning = true) "
            f"ORDER BY order_id DESC LIMIT {CHANGED}"
        ).to_arrow_table()
    return [Event("upsert", {**row, "quantity": row["quantity"] + 1}) for row in rows.to_pylist()]


def _merge_newest(folder: Path) -> tuple[int, dict[str, Any]]:
    """Loads the batch touched, and the merge commit's metrics."""
    events = _newest_orders(folder)
    applied = merge(folder, "newest", events, ["order_id"], "test")
    assert applied.updated == CHANGED
    loads = {(e.row["load_type"], e.row["load_id"]) for e in events}
    return len(loads), DeltaTable(str(folder)).history(1)[0]["operationMetrics"]


def test_each_sales_file_holds_one_range_of_order_ids_and_the_newest_range_is_smallest(
    demo: Path,
) -> None:
    ranges = sales_ranges(ROWS, CHUNK, NEWEST)
    assert ranges == [(0, 12_000), (12_000, 28_000), (28_000, 36_000), (36_000, 40_000)]
    files = _files(demo)
    loads = {(f["partition.load_type"], f["partition.load_id"]) for f in files}
    assert len(files) == len(ranges) * len(loads)
    for f in files:
        low, high = f["min.order_id"] - FIRST_ORDER_ID, f["max.order_id"] - FIRST_ORDER_ID
        assert any(start <= low and high < stop for start, stop in ranges), (low, high)
    assert maintenance.compact_target(DeltaTable(str(demo))) == COMPACT_BYTES


def test_a_merge_of_the_newest_orders_rewrites_only_the_newest_range(sales: Path) -> None:
    loads, metrics = _merge_newest(sales)
    assert metrics["num_target_files_removed"] == loads  # one file per load touched
    assert metrics["num_output_rows"] == NEWEST  # not the loads' 40,000 rows


def test_a_compaction_under_the_target_file_size_keeps_the_ranges_apart(sales: Path) -> None:
    # The demo's 1 MB, scaled to this small build: every file of the older ranges is at
    # least the target, so only smaller files could be packed together.
    older = [f["size_bytes"] for f in _files(sales) if f["max.order_id"] < FIRST_ORDER_ID + 36_000]
    maintenance.set_compact_target(sales, min(older), user="test")

    maintenance.optimize(sales, user="test")

    loads, metrics = _merge_newest(sales)
    assert metrics["num_output_rows"] == NEWEST
    assert metrics["num_target_files_removed"] == loads
