"""Rewrites keep the demo's sales cut by order id ranges: after an erase or a Z-order (of a
dataset whose key is order_id) a push merge of the newest orders still rewrites only the
files of the newest order ids, not whole loads, and the erased rows stay gone at every
version the log can still read. delta-rs's own merge metrics say which rows it wrote."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlglot
from deltalake import DeltaTable, write_deltalake

from backend.demo import build_demo
from backend.lake import erase, layout, maintenance
from backend.lake.changes import Event, merge

ROWS, CHUNK, NEWEST = 40_000, 16_000, 4_000
CHANGED = 1_000
ROWS_PER_FILE = 600  # the compaction target, in rows: about five files per load
KEY = ("order_id",)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rewrite") / "warehouse"
    build_demo(out, ROWS, progress=lambda _: None, chunk_rows=CHUNK, newest_rows=NEWEST)
    return out / "global_sales"


@pytest.fixture
def sales(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo's sales whose compaction target is ROWS_PER_FILE rows."""
    folder = Path(shutil.copytree(demo, tmp_path / "global_sales"))
    per_row = layout.bytes_per_row(DeltaTable(str(folder)))
    maintenance.set_compact_target(folder, int(per_row * ROWS_PER_FILE), user="test")
    return folder


def _rows(folder: Path, version: int | None = None, where: str = "true") -> pa.Table:
    files = DeltaTable(str(folder), version=version).file_uris()
    with duckdb.connect() as con:
        return con.sql(
            f"SELECT * FROM read_parquet({files!r}, hive_partitioning = true) WHERE {where}"
        ).to_arrow_table()


def _busiest_employee(folder: Path) -> int:
    with duckdb.connect() as con:
        con.register("sales", _rows(folder))
        found = con.sql("SELECT employee_id FROM sales GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        return int(found.fetchall()[0][0])


def _erase(folder: Path, employee: int, key: tuple[str, ...]) -> None:
    """Erase as the admin route does, over a DuckDB view of the current version."""
    con = duckdb.connect()
    con.register("version", _rows(folder))

    def run(select: Any) -> pa.Table:
        return con.sql(select.sql("duckdb")).to_arrow_table()

    table = DeltaTable(str(folder))
    where = sqlglot.parse_one(f"employee_id = {employee}")
    seen = erase.preview(run, "version", table.version(), where, ["load_type", "load_id"])
    assert seen.rows > 0
    erase.apply(run, "version", folder, where, seen, user="test", retention_hours=0, key=key)
    con.close()


def _merge_newest(folder: Path) -> tuple[int, dict[str, Any]]:
    """Upsert the newest CHANGED orders; the loads they are in and the merge's metrics."""
    newest = _rows(folder).sort_by([("order_id", "descending")]).slice(0, CHANGED)
    events = [Event("upsert", {**r, "quantity": r["quantity"] + 1}) for r in newest.to_pylist()]
    assert merge(folder, "newest", events, ["order_id"], "test").updated == CHANGED
    loads = {(e.row["load_type"], e.row["load_id"]) for e in events}
    return len(loads), DeltaTable(str(folder)).history(1)[0]["operationMetrics"]


def _files(folder: Path) -> list[dict[str, Any]]:
    return pa.table(DeltaTable(str(folder)).get_add_actions(flatten=True)).to_pylist()


def _assert_key_ranges_apart(folder: Path) -> None:
    """Within each load, no two files' order id ranges overlap, and loads have several."""
    by_load: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for f in _files(folder):
        load = (f["partition.load_type"], f["partition.load_id"])
        by_load.setdefault(load, []).append((f["min.order_id"], f["max.order_id"]))
    assert sum(len(r) for r in by_load.values()) > 2 * len(by_load)
    for ranges in by_load.values():
        ranges.sort()
        assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges)), ranges


def test_after_an_erase_a_merge_of_the_newest_orders_rewrites_only_their_range(
    sales: Path,
) -> None:
    employee = _busiest_employee(sales)

    _erase(sales, employee, KEY)

    _assert_key_ranges_apart(sales)
    loads, metrics = _merge_newest(sales)
    assert metrics["num_target_files_removed"] == loads  # the newest range's file per load
    assert metrics["num_output_rows"] < ROWS / 3  # not the loads' ~40,000 rows


def _load_sizes(folder: Path) -> dict[tuple[str, int], list[int]]:
    """Each load's files' rows, from the newest order ids to the oldest."""
    by_load: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for f in _files(folder):
        load = (f["partition.load_type"], f["partition.load_id"])
        by_load.setdefault(load, []).append((f["max.order_id"], f["num_records"]))
    return {load: [n for _, n in sorted(files, reverse=True)] for load, files in by_load.items()}


def test_an_erase_cuts_each_load_into_files_doubling_from_its_newest_orders(
    sales: Path,
) -> None:
    table = DeltaTable(str(sales))
    smallest = layout.band_rows(table, layout.file_bytes(table) or 0)

    _erase(sales, _busiest_employee(sales), KEY)

    _assert_key_ranges_apart(sales)
    sizes = _load_sizes(sales)
    full = [rows for rows in sizes.values() if sum(rows) > 3 * smallest]
    assert len(full) > len(sizes) / 2, sizes  # most loads are large enough to show it
    for rows in full:  # the newest orders' file the smallest, the next one twice its size
        assert rows[:2] == [smallest, 2 * smallest], rows
    loads, metrics = _merge_newest(sales)
    assert metrics["num_target_files_removed"] == loads
    assert metrics["num_output_rows"] <= loads * smallest  # each load's smallest file


def test_a_zorder_keeps_each_loads_newest_orders_in_the_smallest_files(sales: Path) -> None:
    table = DeltaTable(str(sales))
    smallest = layout.band_rows(table, layout.file_bytes(table) or 0)

    maintenance.zorder(sales, ["employee_id"], user="test", key=KEY)

    full = [rows for rows in _load_sizes(sales).values() if sum(rows) > 3 * smallest]
    assert full
    for rows in full:
        assert rows[:2] == [smallest, 2 * smallest], rows
    loads, metrics = _merge_newest(sales)
    assert metrics["num_output_rows"] <= loads * smallest


def test_erased_rows_are_gone_at_every_version_the_log_can_read(sales: Path) -> None:
    employee = _busiest_employee(sales)
    before = _rows(sales).num_rows

    _erase(sales, employee, KEY)
    _merge_newest(sales)

    readable = [int(e["version"]) for e in DeltaTable(str(sales)).history()]
    assert len(readable) >= 2  # the erase's version and the merge's
    for version in readable:
        assert _rows(sales, version, f"employee_id = {employee}").num_rows == 0, version
    assert 0 < before - _rows(sales).num_rows < before / 10


def test_a_compaction_after_an_erase_keeps_the_ranges_apart(sales: Path) -> None:
    _erase(sales, _busiest_employee(sales), KEY)

    maintenance.optimize(sales, user="test")

    _assert_key_ranges_apart(sales)
    loads, metrics = _merge_newest(sales)
    assert metrics["num_target_files_removed"] == loads
    assert metrics["num_output_rows"] < ROWS / 3


def test_after_a_zorder_a_merge_of_the_newest_orders_rewrites_only_their_range(
    sales: Path,
) -> None:
    total = _rows(sales, where="true").column("revenue").to_pylist()

    report = maintenance.zorder(sales, ["employee_id"], user="test", key=KEY)

    loads = {(f["partition.load_type"], f["partition.load_id"]) for f in _files(sales)}
    assert report.files_after > 2 * len(loads)  # cut by size, not one file per load
    after = _rows(sales).column("revenue").to_pylist()
    assert sorted(after) == sorted(total)  # the same rows
    loads, metrics = _merge_newest(sales)
    assert metrics["num_target_files_removed"] == loads
    assert metrics["num_output_rows"] < ROWS / 3


def test_a_zorder_still_lets_a_filter_on_its_column_skip_most_files(sales: Path) -> None:
    employee = _busiest_employee(sales)
    # files small enough that each load's older rows (on the curve) fill several of the
    # largest files, as a real table's do: the newest keys take three of the smallest
    per_row = layout.bytes_per_row(DeltaTable(str(sales)))
    maintenance.set_compact_target(sales, int(per_row * ROWS_PER_FILE / 8), user="test")

    maintenance.zorder(sales, ["employee_id"], user="test", key=KEY)

    files = _files(sales)
    holding = [f for f in files if f["min.employee_id"] <= employee <= f["max.employee_id"]]
    assert len(holding) < len(files) / 2, (len(holding), len(files))


def test_a_zorder_is_one_new_version_and_the_one_before_still_reads(sales: Path) -> None:
    start = DeltaTable(str(sales)).version()
    before = sorted(_rows(sales).column("order_id").to_pylist())

    maintenance.zorder(sales, ["employee_id"], user="test", key=KEY)

    history = DeltaTable(str(sales)).history(1)[0]
    assert (int(history["version"]), history["aurora.operation"]) == (start + 1, "zorder")
    assert sorted(_rows(sales, start).column("order_id").to_pylist()) == before


def test_an_erase_writes_row_groups_of_the_demos_size(tmp_path: Path) -> None:
    folder, n = tmp_path / "big", 300_000
    ids = pa.array(range(n), pa.int64())
    load = {"load_type": pa.array(["DAILY"] * n), "load_id": pa.array([1] * n, pa.int64())}
    rows = pa.table({"order_id": ids, "employee_id": pc.bit_wise_and(ids, 7), **load})
    write_deltalake(str(folder), rows, partition_by=["load_type", "load_id"])

    _erase(folder, 3, ())  # no key: the partition overwritten as one file

    (data,) = DeltaTable(str(folder)).file_uris()
    meta = pq.ParquetFile(data.removeprefix("file://")).metadata
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    # a page sorted by another column skips and spreads over row groups, not one of 262,500
    assert max(groups) <= layout.ROW_GROUP_ROWS and sum(groups) == 262_500, groups
