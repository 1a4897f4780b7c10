"""DuckDBAdapter behaviour on the tiny warehouse: views, types, concurrency, streaming,
timeouts, cancel, EXPLAIN and partition pruning."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from sqlglot import exp

from adapters.base import (
    AdapterQueryError,
    ColumnInfo,
    DatabaseAdapter,
    QueryCancelledError,
    SupportsColumnStats,
)
from adapters.duckdb_adapter import DuckDBAdapter
from adapters.duckdb_plan import scanned_files
from tests.conftest import ITEMS_ROWS, SALES_ROWS_PER_LOAD, TinyWarehouse


def _count(relation: str) -> exp.Select:
    return exp.select(exp.Count(this=exp.Star()).as_("n")).from_(exp.to_table(relation))


def _slow_query() -> exp.Select:
    """A cross join of range() that runs for many seconds on two cores."""
    a = exp.Table(this=exp.func("range", exp.Literal.number(100_000_000)), alias="a")
    b = exp.Table(this=exp.func("range", exp.Literal.number(10_000)), alias="b")
    return exp.select(exp.Count(this=exp.Star())).from_(a).join(b, join_type="cross")


def _sales_ordered() -> exp.Select:
    return exp.select("order_id", "customer", "amount").from_("sales").order_by("order_id")


def test_adapter_satisfies_the_protocols(duckdb_adapter: DuckDBAdapter) -> None:
    assert isinstance(duckdb_adapter, DatabaseAdapter)
    assert isinstance(duckdb_adapter, SupportsColumnStats)
    assert (duckdb_adapter.name, duckdb_adapter.dialect) == ("duckdb", "duckdb")


def test_registered_views_are_listed_and_counted(duckdb_adapter: DuckDBAdapter) -> None:
    assert duckdb_adapter.relations() == ["items", "sales"]
    assert duckdb_adapter.run(_count("items")).column("n").to_pylist() == [ITEMS_ROWS]
    assert duckdb_adapter.run(_count("sales")).column("n").to_pylist() == [5 * SALES_ROWS_PER_LOAD]


def test_describe_reports_duckdb_type_names(duckdb_adapter: DuckDBAdapter) -> None:
    assert duckdb_adapter.describe("items") == [
        ColumnInfo("item_id", "BIGINT"),
        ColumnInfo("name", "VARCHAR"),
        ColumnInfo("price", "DECIMAL(18,2)"),
        ColumnInfo("weight", "DOUBLE"),
        ColumnInfo("added_on", "DATE"),
        ColumnInfo("updated_at", "TIMESTAMP"),
        ColumnInfo("active", "BOOLEAN"),
    ]
    sales = {c.name: c.type for c in duckdb_adapter.describe("sales")}
    assert sales["load_type"] == "VARCHAR"
    assert sales["load_id"] == "BIGINT"


def test_unregister_drops_the_view(duckdb_adapter: DuckDBAdapter) -> None:
    duckdb_adapter.unregister("items")
    assert duckdb_adapter.relations() == ["sales"]
    with pytest.raises(AdapterQueryError, match="items"):
        duckdb_adapter.run(_count("items"))
    duckdb_adapter.unregister("items")  # again: nothing to drop, no error


@pytest.mark.parametrize("name", ["bad-name", "1st", 'x"; DROP VIEW items; --', "", "a b"])
def test_register_refuses_invalid_view_names(
    duckdb_adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse, name: str
) -> None:
    with pytest.raises(ValueError, match="not a valid relation name"):
        duckdb_adapter.register_parquet(name, tiny_warehouse.items_path, hive=False)


def test_register_refuses_paths_outside_the_warehouse(
    duckdb_adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    for path in (Path("/etc"), tiny_warehouse.root / ".." / "elsewhere.parquet"):
        with pytest.raises(ValueError, match="outside the warehouse"):
            duckdb_adapter.register_parquet("elsewhere", path, hive=False)


def test_a_partition_added_later_is_read_without_re_registering(
    duckdb_adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    tiny_warehouse.add_sales_load("RESTATEMENT", 20240215, rows=7)
    query = (
        exp.select(exp.Count(this=exp.Star()).as_("n"))
        .from_("sales")
        .where(exp.column("load_type").eq(exp.Literal.string("RESTATEMENT")))
    )
    assert duckdb_adapter.run(query).column("n").to_pylist() == [7]


def test_awkward_text_round_trips_as_a_typed_literal(duckdb_adapter: DuckDBAdapter) -> None:
    for text in ("O'Brien", "50% off", "dash -- comment", "東京", "party 🎉", "back\\slash"):
        query = (
            exp.select("name").from_("items").where(exp.column("name").eq(exp.Literal.string(text)))
        )
        names = set(duckdb_adapter.run(query).column("name").to_pylist())
        assert names == {text}


def test_decimal_columns_come_back_exact(duckdb_adapter: DuckDBAdapter) -> None:
    query = exp.select("price").from_("items").where(exp.column("item_id").eq(1))
    assert duckdb_adapter.run(query).column("price").to_pylist() == [Decimal("0.37")]


def test_database_errors_carry_the_database_message(duckdb_adapter: DuckDBAdapter) -> None:
    with pytest.raises(AdapterQueryError, match="no_such_column"):
        duckdb_adapter.run(exp.select("no_such_column").from_("items"))
    bad_cast = exp.select(exp.cast(exp.Literal.string("x"), "INT"))
    with pytest.raises(AdapterQueryError, match="Conversion"):
        duckdb_adapter.run(bad_cast)


def test_concurrent_runs_from_four_threads_agree(duckdb_adapter: DuckDBAdapter) -> None:
    expected = duckdb_adapter.run(_sales_ordered())
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: duckdb_adapter.run(_sales_ordered()), range(8)))
    assert all(result.equals(expected) for result in results)


def test_stream_batches_concatenate_to_the_run_result(duckdb_adapter: DuckDBAdapter) -> None:
    batches = list(duckdb_adapter.stream(_sales_ordered(), batch_rows=64))
    assert len(batches) > 1
    assert all(batch.num_rows <= 64 for batch in batches)
    streamed = pa.Table.from_batches(batches)
    assert streamed.equals(duckdb_adapter.run(_sales_ordered()))


def test_timeout_interrupts_a_long_query_quickly(duckdb_adapter: DuckDBAdapter) -> None:
    started = time.monotonic()
    with pytest.raises(QueryCancelledError) as info:
        duckdb_adapter.run(_slow_query(), timeout_s=0.5)
    assert info.value.reason == "timeout"
    assert time.monotonic() - started < 2.0
    # the adapter is usable afterwards
    assert duckdb_adapter.run(_count("items")).column("n").to_pylist() == [ITEMS_ROWS]


def test_timeout_interrupts_a_stream(duckdb_adapter: DuckDBAdapter) -> None:
    started = time.monotonic()
    with pytest.raises(QueryCancelledError) as info:
        list(duckdb_adapter.stream(_slow_query(), timeout_s=0.5))
    assert info.value.reason == "timeout"
    assert time.monotonic() - started < 2.0


def test_cancel_from_another_thread_stops_the_query(duckdb_adapter: DuckDBAdapter) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            duckdb_adapter.run(_slow_query(), query_id="q-cancel")
        except BaseException as e:
            errors.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 5
    while not duckdb_adapter.cancel("q-cancel"):
        assert time.monotonic() < deadline, "the query never started"
        time.sleep(0.01)
    worker.join(timeout=3)
    assert not worker.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], QueryCancelledError)
    assert errors[0].reason == "cancelled"


def test_cancel_of_an_unknown_query_returns_false(duckdb_adapter: DuckDBAdapter) -> None:
    assert duckdb_adapter.cancel("nothing-runs") is False


def test_explain_gives_root_and_largest_cardinality(duckdb_adapter: DuckDBAdapter) -> None:
    estimate = duckdb_adapter.explain(_count("sales"))
    assert estimate.rows == 1
    assert estimate.max_rows == 5 * SALES_ROWS_PER_LOAD
    assert estimate.cost is None
    assert isinstance(estimate.plan, list)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (exp.column("load_type").eq(exp.Literal.string("DAILY")), [(3, 5)]),
        (
            exp.and_(
                exp.column("load_type").eq(exp.Literal.string("MONTH_END")),
                exp.column("load_id").eq(exp.Literal.number(20240131)),
            ),
            [(1, 5)],
        ),
        # no filter on a partition column: DuckDB shows no "Scanning Files" at all
        (exp.column("region").eq(exp.Literal.string("North")), []),
    ],
)
def test_filters_on_load_columns_prune_hive_partitions(
    duckdb_adapter: DuckDBAdapter, condition: exp.Expression, expected: list[tuple[int, int]]
) -> None:
    query = exp.select("order_id").from_("sales").where(condition)
    assert scanned_files(duckdb_adapter.explain(query).plan) == expected


def test_column_stats_give_rows_distinct_min_max(duckdb_adapter: DuckDBAdapter) -> None:
    stats = duckdb_adapter.column_stats("items", ["item_id", "added_on"])
    assert stats["item_id"].rows == ITEMS_ROWS
    assert stats["item_id"].min_value == 0
    assert stats["item_id"].max_value == ITEMS_ROWS - 1
    assert stats["item_id"].distinct is not None
    assert abs(stats["item_id"].distinct - ITEMS_ROWS) <= ITEMS_ROWS * 0.1


def test_views_can_be_registered_and_replaced_after_the_lock_down(
    duckdb_adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    duckdb_adapter.register_parquet("again", tiny_warehouse.items_path, hive=False)
    assert duckdb_adapter.run(_count("again")).column("n").to_pylist() == [ITEMS_ROWS]
    duckdb_adapter.register_parquet("again", tiny_warehouse.sales_path, hive=True)
    assert duckdb_adapter.run(_count("again")).column("n").to_pylist() == [5 * SALES_ROWS_PER_LOAD]


def test_close_stops_a_running_query_first(tiny_warehouse: TinyWarehouse) -> None:
    """Closing the connection under a running statement raised "connection is busy"."""
    adapter = DuckDBAdapter(tiny_warehouse.root)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            adapter.run(_slow_query(), query_id="running-at-close")
        except BaseException as e:
            errors.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.5)  # the query runs for many seconds
    adapter.close()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert [type(e) for e in errors] == [QueryCancelledError]


def test_close_removes_the_private_spill_folder(tiny_warehouse: TinyWarehouse) -> None:
    adapter = DuckDBAdapter(tiny_warehouse.root)
    spill = Path(adapter._temp_dir)
    assert spill.is_dir()
    adapter.close()
    assert not spill.exists()
