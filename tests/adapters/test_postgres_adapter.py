"""PostgresAdapter on the real server: the tiny warehouse in a throw-away schema; Arrow types,
read-only transactions, timeouts, cancel, streaming, EXPLAIN, the catalog queries."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from psycopg import sql
from sqlglot import exp

from adapters.base import (
    AdapterQueryError,
    DatabaseAdapter,
    QueryCancelledError,
    SupportsColumnStats,
    UnsafeStatementError,
)
from adapters.postgres_adapter import PostgresAdapter, plan_estimate
from backend.catalog.models import type_kind
from tests.conformance.pg import PG_URL, connect, tiny_schema
from tests.conftest import ITEMS_ROWS, SALES_ROWS_PER_LOAD, build_tiny_warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    warehouse = build_tiny_warehouse(tmp_path_factory.mktemp("pg") / "warehouse")
    with tiny_schema(warehouse, prefix="aurora_pgad") as name:
        with connect() as conn:
            conn.execute(
                sql.SQL("CREATE VIEW {} AS SELECT item_id, name FROM {} WHERE active").format(
                    sql.Identifier(name, "active_items"), sql.Identifier(name, "items")
                )
            )
            conn.execute(sql.SQL("CREATE SEQUENCE {}").format(sql.Identifier(name, "ticket")))
            conn.execute("CREATE TABLE IF NOT EXISTS public.aurora_not_a_dataset (x int)")
        try:
            yield name
        finally:
            with connect() as conn:
                conn.execute("DROP TABLE IF EXISTS public.aurora_not_a_dataset")


@pytest.fixture(scope="module")
def adapter(schema: str) -> Iterator[PostgresAdapter]:
    pg = PostgresAdapter(PG_URL, schema=schema, max_size=4)
    try:
        yield pg
    finally:
        pg.close()


def _select(*columns: str, table: str = "items") -> exp.Select:
    return exp.select(*[exp.column(c, quoted=True) for c in columns]).from_(
        exp.to_table(table, quoted=True)
    )


def _sleep(seconds: float) -> exp.Select:
    return exp.select(exp.func("pg_sleep", exp.Literal.number(seconds)).as_("slept"))


def test_adapter_satisfies_the_protocols(adapter: PostgresAdapter) -> None:
    assert isinstance(adapter, DatabaseAdapter)
    assert isinstance(adapter, SupportsColumnStats)
    assert (adapter.name, adapter.dialect) == ("postgres", "postgres")


def test_relations_are_the_schemas_tables_and_views_only(adapter: PostgresAdapter) -> None:
    assert adapter.relations() == ["active_items", "items", "sales"]


def test_describe_gives_postgres_type_names_the_catalog_understands(
    adapter: PostgresAdapter,
) -> None:
    items = {c.name: c.type for c in adapter.describe("items")}
    assert items == {
        "item_id": "bigint",
        "name": "text",
        "price": "numeric(18,2)",
        "weight": "double precision",
        "added_on": "date",
        "updated_at": "timestamp without time zone",
        "active": "boolean",
    }
    kinds = [type_kind(t) for t in items.values()]
    assert kinds == ["integer", "text", "decimal", "float", "date", "timestamp", "boolean"]


def test_describe_of_a_missing_relation_is_an_adapter_error(adapter: PostgresAdapter) -> None:
    with pytest.raises(AdapterQueryError, match="nope"):
        adapter.describe("nope")


def test_run_returns_arrow_types_of_the_columns(adapter: PostgresAdapter) -> None:
    table = adapter.run(_select(*[c.name for c in adapter.describe("items")]))
    assert table.num_rows == ITEMS_ROWS
    assert [f.type for f in table.schema] == [
        pa.int64(),
        pa.string(),
        pa.decimal128(18, 2),
        pa.float64(),
        pa.date32(),
        pa.timestamp("us"),
        pa.bool_(),
    ]
    first = min(table.to_pylist(), key=lambda r: r["item_id"])
    assert first["added_on"] == dt.date(2024, 1, 1)
    assert first["updated_at"] == dt.datetime(2024, 1, 1)
    assert first["price"] == Decimal("0.00")


def test_sum_stays_exact_and_average_becomes_double(adapter: PostgresAdapter) -> None:
    price = exp.column("price", quoted=True)
    query = exp.select(
        exp.Sum(this=price).as_("total"), exp.Avg(this=price.copy()).as_("mean")
    ).from_(exp.to_table("items", quoted=True))
    table = adapter.run(query)
    assert table.schema.field("total").type == pa.decimal128(38, 2)
    assert table.schema.field("mean").type == pa.float64()
    total = table.column("total")[0].as_py()
    assert isinstance(total, Decimal) and total.as_tuple().exponent == -2


def test_text_with_quotes_and_wildcards_comes_back_unchanged(adapter: PostgresAdapter) -> None:
    name = exp.column("name", quoted=True)
    query = (
        _select("name")
        .where(name.like(exp.Literal.string("%'%")).or_(name.like(exp.Literal.string("50%"))))
        .distinct()
    )
    assert sorted(adapter.run(query).column("name").to_pylist()) == ["50% off", "O'Brien"]


def test_stream_yields_bounded_batches_with_one_schema(adapter: PostgresAdapter) -> None:
    batches = list(adapter.stream(_select("order_id", "amount", table="sales"), batch_rows=150))
    assert [b.num_rows for b in batches] == [150, 150, 100]
    assert len({b.schema for b in batches}) == 1
    assert sum(b.num_rows for b in batches) == 5 * SALES_ROWS_PER_LOAD


def test_abandoned_stream_gives_its_connection_back(adapter: PostgresAdapter) -> None:
    for _ in range(6):  # more than the pool holds
        stream = adapter.stream(_select("order_id", table="sales"), batch_rows=10)
        next(stream)
        stream.close()
    assert adapter.run(_select("item_id")).num_rows == ITEMS_ROWS


def test_timeout_stops_the_statement(adapter: PostgresAdapter) -> None:
    started = time.monotonic()
    with pytest.raises(QueryCancelledError) as caught:
        adapter.run(_sleep(5), timeout_s=0.3)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 2


def test_stream_timeout_covers_the_whole_iteration(adapter: PostgresAdapter) -> None:
    with pytest.raises(QueryCancelledError) as caught:
        list(adapter.stream(_sleep(5), timeout_s=0.3))
    assert caught.value.reason == "timeout"


def test_cancel_interrupts_the_running_statement(adapter: PostgresAdapter) -> None:
    def cancel_soon() -> None:
        time.sleep(0.3)
        assert adapter.cancel("q-cancel")

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    started = time.monotonic()
    with pytest.raises(QueryCancelledError) as caught:
        adapter.run(_sleep(5), query_id="q-cancel")
    canceller.join()
    assert caught.value.reason == "cancelled"
    assert time.monotonic() - started < 2
    assert adapter.run(_select("item_id")).num_rows == ITEMS_ROWS  # the pool is fine after


def test_cancel_of_an_unknown_query_is_false(adapter: PostgresAdapter) -> None:
    assert adapter.cancel("nothing-runs") is False


def test_statements_run_in_read_only_transactions(adapter: PostgresAdapter) -> None:
    query = exp.select(exp.func("nextval", exp.Literal.string("ticket")).as_("n"))
    with pytest.raises(AdapterQueryError, match="read-only"):
        adapter.run(query)


def test_sessions_use_utc(adapter: PostgresAdapter) -> None:
    query = exp.select(exp.func("current_setting", exp.Literal.string("TimeZone")).as_("tz"))
    assert adapter.run(query).column("tz").to_pylist() == ["UTC"]


@pytest.mark.parametrize(
    "statement",
    [
        exp.Drop(this=exp.to_table("items"), kind="TABLE"),
        exp.insert(exp.select("1"), "items"),
        exp.Command(this="VACUUM"),
    ],
    ids=["drop", "insert", "command"],
)
def test_anything_but_a_select_is_refused(adapter: PostgresAdapter, statement: exp.Expr) -> None:
    with pytest.raises(UnsafeStatementError):
        adapter.run(statement)
    with pytest.raises(UnsafeStatementError):
        adapter.explain(statement)


def test_rendered_text_with_two_statements_is_refused(schema: str) -> None:
    sneaky = PostgresAdapter(
        PG_URL, schema=schema, renderer=lambda q: q.sql("postgres") + "; DROP TABLE items"
    )
    try:
        with pytest.raises(UnsafeStatementError):
            sneaky.run(_select("item_id"))
    finally:
        sneaky.close()
    with connect() as conn:
        row = conn.execute("SELECT to_regclass(%s)", [f'"{schema}".items']).fetchone()
    assert row is not None and row[0] is not None


def test_renderer_gives_the_sql_text(schema: str) -> None:
    seen: list[str] = []

    def render(query: exp.Expression) -> str:
        seen.append(text := query.sql("postgres", identify=True))
        return text

    pg = PostgresAdapter(PG_URL, schema=schema, renderer=render)
    try:
        assert pg.render(_select("item_id")) == 'SELECT "item_id" FROM "items"'
        pg.run(_select("item_id"))
    finally:
        pg.close()
    assert seen == ['SELECT "item_id" FROM "items"'] * 2


def test_explain_reads_rows_cost_and_the_largest_node(adapter: PostgresAdapter) -> None:
    join = (
        exp.select(exp.column("order_id", "s"))
        .from_(exp.to_table("sales", alias="s"))
        .join(exp.to_table("items", alias="i"), on="s.quantity = i.item_id")
        .limit(5)
    )
    estimate = adapter.explain(join)
    assert estimate.rows == 5
    assert estimate.cost is not None and estimate.cost > 0
    assert estimate.max_rows is not None and estimate.max_rows >= 100


def test_plan_estimate_walks_nested_plans() -> None:
    plan = [
        {
            "Plan": {
                "Plan Rows": 10,
                "Total Cost": 99.5,
                "Plans": [{"Plan Rows": 5, "Plans": [{"Plan Rows": 7000}]}],
            }
        }
    ]
    assert plan_estimate(plan).max_rows == 7000
    assert (plan_estimate(plan).rows, plan_estimate(plan).cost) == (10, 99.5)


def test_column_stats_from_statistics(adapter: PostgresAdapter) -> None:
    stats = adapter.column_stats("items", ["item_id", "added_on"])
    assert stats["item_id"].rows == ITEMS_ROWS
    assert stats["item_id"].distinct == ITEMS_ROWS
    assert (stats["item_id"].min_value, stats["item_id"].max_value) == (0, ITEMS_ROWS - 1)
    assert stats["added_on"].min_value == dt.date(2024, 1, 1)


def test_parallel_queries_share_the_pool(adapter: PostgresAdapter) -> None:
    with ThreadPoolExecutor(6) as pool:
        counts = list(pool.map(lambda _: adapter.run(_select("item_id")).num_rows, range(12)))
    assert counts == [ITEMS_ROWS] * 12


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AdapterQueryError, match="Could not connect"):
        PostgresAdapter(
            "postgresql://postgres@127.0.0.1:1/test?connect_timeout=1", connect_timeout_s=1
        )


def test_index_columns_list_each_index_in_order(adapter: PostgresAdapter, schema: str) -> None:
    assert adapter.index_columns("sales") == []
    with connect() as conn:
        conn.execute(
            sql.SQL("CREATE INDEX ON {} (load_type, load_id)").format(
                sql.Identifier(schema, "sales")
            )
        )
        conn.execute(sql.SQL("CREATE INDEX ON {} (region)").format(sql.Identifier(schema, "sales")))
    assert sorted(adapter.index_columns("sales")) == [("load_type", "load_id"), ("region",)]
