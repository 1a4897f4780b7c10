"""The catalog over a real warehouse folder and a real DuckDB adapter."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from adapters.duckdb_adapter import DuckDBAdapter
from backend.catalog.catalog import Catalog
from backend.catalog.models import Dataset, VintageColumns
from backend.catalog.sources import RelationsSource
from backend.catalog.warehouse import WarehouseSource
from backend.errors import NotFound
from tests.conftest import ITEMS_ROWS, SALES_LOADS, SALES_ROWS_PER_LOAD, TinyWarehouse


@pytest.fixture
def adapter(tiny_warehouse: TinyWarehouse) -> Iterator[DuckDBAdapter]:
    adapter = DuckDBAdapter(tiny_warehouse.root, threads=2)
    try:
        yield adapter
    finally:
        adapter.close()


@pytest.fixture
def catalog(adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse) -> Catalog:
    return Catalog(adapter, WarehouseSource(tiny_warehouse.root))


def _write(path: Path, sql: str = "SELECT 1 AS x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")


def test_file_and_folder_datasets_are_discovered(catalog: Catalog) -> None:
    assert [d.key for d in catalog.list()] == ["items", "sales"]
    items, sales = catalog.get("items"), catalog.get("sales")
    assert (items.relation, items.label) == ("items", "Items")
    assert items.row_estimate == ITEMS_ROWS
    assert sales.row_estimate == 5 * SALES_ROWS_PER_LOAD


def test_columns_have_database_types_and_labels(catalog: Catalog) -> None:
    items = catalog.get("items")
    assert [(c.name, c.type, c.label) for c in items.columns] == [
        ("item_id", "BIGINT", "Item id"),
        ("name", "VARCHAR", "Name"),
        ("price", "DECIMAL(18,2)", "Price"),
        ("weight", "DOUBLE", "Weight"),
        ("added_on", "DATE", "Added on"),
        ("updated_at", "TIMESTAMP", "Updated at"),
        ("active", "BOOLEAN", "Active"),
    ]
    kinds = {c.name: c.kind for c in items.columns}
    assert kinds["price"] == "decimal" and kinds["updated_at"] == "timestamp"


def test_vintage_columns_are_detected(catalog: Catalog) -> None:
    assert catalog.get("sales").vintage == VintageColumns(load_type="load_type", load_id="load_id")
    assert catalog.get("items").vintage is None


def test_a_folder_added_at_runtime_appears_without_restart(
    catalog: Catalog, tiny_warehouse: TinyWarehouse
) -> None:
    _write(tiny_warehouse.root / "late" / "part-0.parquet", "SELECT 7 AS n, 'x' AS s")
    late = catalog.get("late")  # a miss rescans before raising
    assert [(c.name, c.type) for c in late.columns] == [("n", "INTEGER"), ("s", "VARCHAR")]
    assert "late" in [d.key for d in catalog.list()]


def test_a_removed_dataset_disappears(
    catalog: Catalog, adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    shutil.rmtree(tiny_warehouse.sales_path)
    catalog.refresh()
    with pytest.raises(NotFound, match="Dataset 'sales' was not found"):
        catalog.get("sales")
    assert adapter.relations() == ["items"]


def test_list_rescans_after_the_interval(
    adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    catalog = Catalog(adapter, rescan_interval_s=0.5)
    _write(tiny_warehouse.root / "fresh.parquet")
    assert "fresh" not in [d.key for d in catalog.list()]  # within the interval: no scan
    time.sleep(0.55)
    assert "fresh" in [d.key for d in catalog.list()]


def test_version_changes_after_a_new_partition(
    catalog: Catalog, tiny_warehouse: TinyWarehouse
) -> None:
    before = catalog.get("sales")
    tiny_warehouse.add_sales_load("RESTATEMENT", 20240301, rows=5)
    catalog.refresh()
    after = catalog.get("sales")
    assert after.version != before.version
    assert after.row_estimate == (before.row_estimate or 0) + 5
    assert catalog.get("items").version == catalog.get("items").version


def test_version_changes_when_a_file_is_replaced(
    catalog: Catalog, tiny_warehouse: TinyWarehouse
) -> None:
    before = catalog.get("items").version
    _write(tiny_warehouse.items_path, "SELECT 1::BIGINT AS item_id, 'new column' AS extra")
    catalog.refresh()
    items = catalog.get("items")
    assert items.version != before
    assert [c.name for c in items.columns] == ["item_id", "extra"]


def test_new_partition_with_a_new_column_is_described(
    catalog: Catalog, adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    _write(
        tiny_warehouse.sales_path / "load_type=DAILY" / "load_id=20240104" / "data_0.parquet",
        "SELECT 999::BIGINT AS order_id, 'late' AS channel",
    )
    catalog.refresh()
    assert catalog.get("sales").column("channel") is not None


@pytest.mark.parametrize("name", ["bad-name.parquet", "1st.parquet", "has space", "ünï.parquet"])
def test_invalid_names_are_skipped_with_a_warning(
    catalog: Catalog, tiny_warehouse: TinyWarehouse, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    target = tiny_warehouse.root / name
    _write(target if name.endswith(".parquet") else target / "a.parquet")
    with caplog.at_level(logging.WARNING):
        catalog.refresh()
        catalog.refresh()
    assert [d.key for d in catalog.list()] == ["items", "sales"]
    assert [r.getMessage() for r in caplog.records if name in r.getMessage()] == [
        f"skipping {name!r}: a dataset key is letters, digits and underscores"
    ]


@pytest.mark.parametrize("name", [".tmp_x", "_x", ".demo-tmp-1", "_upload.parquet"])
def test_temp_folders_and_files_are_ignored(
    catalog: Catalog, tiny_warehouse: TinyWarehouse, name: str
) -> None:
    target = tiny_warehouse.root / name
    _write(target if name.endswith(".parquet") else target / "a.parquet")
    catalog.refresh()
    assert [d.key for d in catalog.list()] == ["items", "sales"]


def test_other_files_and_empty_folders_are_not_datasets(
    catalog: Catalog, tiny_warehouse: TinyWarehouse
) -> None:
    (tiny_warehouse.root / "notes.txt").write_text("hello")
    (tiny_warehouse.root / "empty").mkdir()
    catalog.refresh()
    assert [d.key for d in catalog.list()] == ["items", "sales"]


def test_an_unreadable_file_is_skipped_and_the_rest_still_work(
    catalog: Catalog, tiny_warehouse: TinyWarehouse
) -> None:
    (tiny_warehouse.root / "broken.parquet").write_bytes(b"not parquet at all")
    catalog.refresh()
    assert [d.key for d in catalog.list()] == ["items", "sales"]
    with pytest.raises(NotFound):
        catalog.get("broken")


def test_vintage_options_list_loads_newest_first_with_counts(catalog: Catalog) -> None:
    options = catalog.vintage_options("sales")
    assert [o["load_type"] for o in options] == sorted(SALES_LOADS)
    for option in options:
        ids = [i["load_id"] for i in option["load_ids"]]
        assert ids == sorted(SALES_LOADS[option["load_type"]], reverse=True)
        assert all(i["rows"] == SALES_ROWS_PER_LOAD for i in option["load_ids"])
        assert option["rows"] == SALES_ROWS_PER_LOAD * len(ids)
    assert catalog.vintage_options("items") == []


def test_vintage_options_follow_a_new_load(catalog: Catalog, tiny_warehouse: TinyWarehouse) -> None:
    assert catalog.latest_load_id("sales", "DAILY") == 20240103
    tiny_warehouse.add_sales_load("DAILY", 20240110, rows=3)
    catalog.refresh()
    assert catalog.latest_load_id("sales", "DAILY") == 20240110
    assert catalog.latest_load_id("sales", "MONTH_END") == 20240131
    assert catalog.latest_load_id("sales", "NO_SUCH_TYPE") is None


def test_overlay_relabels_and_withdraws_datasets(
    adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    def overlay(dataset: Dataset) -> Dataset | None:
        if dataset.key == "items":
            return None
        return replace(dataset, label="Sales (admin)")

    catalog = Catalog(adapter, overlay=overlay)
    assert [(d.key, d.label) for d in catalog.list()] == [("sales", "Sales (admin)")]
    with pytest.raises(NotFound):
        catalog.get("items")


def test_relations_source_lists_the_adapter_relations(duckdb_adapter: DuckDBAdapter) -> None:
    catalog = Catalog(duckdb_adapter, RelationsSource(duckdb_adapter))
    assert [d.key for d in catalog.list()] == ["items", "sales"]
    assert catalog.get("sales").vintage is not None
    assert catalog.get("sales").row_estimate is None


def test_unknown_dataset_is_not_found_with_a_clear_message(catalog: Catalog) -> None:
    with pytest.raises(NotFound, match="Dataset 'nope' was not found"):
        catalog.get("nope")
