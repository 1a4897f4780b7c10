"""OracleAdapter against a real Oracle database. Runs only when AURORA_TEST_ORACLE_DSN is set
(`oracle://user:password@host:1521/service` or `user/password@host:1521/service`); skipped,
with that reason, otherwise. There is no Oracle server where this was written: these tests
have never run.

The tiny warehouse is loaded into tables ITEMS and SALES of the connecting user's schema
(dropped after; the tests skip if such tables already exist). Flags are NUMBER(1), as before
Oracle 23ai, so specs filtering on a boolean column are left out of the row comparison.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from adapters.base import QueryCancelledError
from adapters.oracle_adapter import OracleAdapter
from adapters.oracle_sql import connect_params
from backend.catalog.catalog import Catalog
from backend.catalog.models import type_kind
from backend.query.render import render
from tests.conformance.pg import tiny_sources
from tests.conformance.specs import SPECS
from tests.conformance.targets import Target, differences
from tests.conftest import ITEMS_ROWS, TinyWarehouse, build_tiny_warehouse

DSN = os.environ.get("AURORA_TEST_ORACLE_DSN")
if not DSN:
    pytest.skip(
        "AURORA_TEST_ORACLE_DSN is not set: no Oracle database to run the live tests against",
        allow_module_level=True,
    )
oracledb = pytest.importorskip("oracledb")
pytestmark = pytest.mark.oracle

TYPES = {
    "integer": "NUMBER(19,0)",
    "float": "BINARY_DOUBLE",
    "text": "VARCHAR2(400 CHAR)",
    "date": "DATE",
    "timestamp": "TIMESTAMP(6)",
    "boolean": "NUMBER(1)",
}
BOOLEAN_COLUMNS = ("active", "is_return", "twin", "named")


def _ddl(name: str, columns: list[tuple[str, str]]) -> str:
    parts = []
    for column, duck_type in columns:
        kind = type_kind(duck_type)
        oracle = duck_type.replace("DECIMAL", "NUMBER") if kind == "decimal" else TYPES[kind]
        parts.append(f"{column.upper()} {oracle}")
    return f"CREATE TABLE {name.upper()} ({', '.join(parts)})"


def _value(v: Any) -> Any:
    return int(v) if isinstance(v, bool) else v


def _load(conn: Any, warehouse: TinyWarehouse) -> None:
    with duckdb.connect() as con, conn.cursor() as cur:
        for name, select in tiny_sources(warehouse).items():
            columns = [(str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE {select}").fetchall()]
            cur.execute(_ddl(name, columns))
            rows = [tuple(_value(v) for v in row) for row in con.execute(select).fetchall()]
            marks = ", ".join(f":{i + 1}" for i in range(len(columns)))
            cur.executemany(f"INSERT INTO {name.upper()} VALUES ({marks})", rows)
        conn.commit()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> TinyWarehouse:
    return build_tiny_warehouse(tmp_path_factory.mktemp("oracle") / "warehouse")


@pytest.fixture(scope="module")
def loaded(warehouse: TinyWarehouse) -> Iterator[None]:
    assert DSN is not None
    conn = oracledb.connect(**connect_params(DSN))
    with conn.cursor() as cur:
        cur.execute("SELECT table_name FROM user_tables WHERE table_name IN ('ITEMS', 'SALES')")
        if cur.fetchall():
            conn.close()
            pytest.skip("tables ITEMS or SALES already exist in the test schema")
    try:
        _load(conn, warehouse)
        yield
    finally:
        with conn.cursor() as cur:
            for table in ("ITEMS", "SALES"):
                with contextlib.suppress(oracledb.DatabaseError):
                    cur.execute(f"DROP TABLE {table} PURGE")
        conn.close()


@pytest.fixture(scope="module")
def adapter(loaded: None) -> Iterator[OracleAdapter]:
    assert DSN is not None
    ora = OracleAdapter(DSN, renderer=functools.partial(render, dialect="oracle"))
    try:
        yield ora
    finally:
        ora.close()


def _count(table: str) -> exp.Select:
    return exp.select(exp.Count(this=exp.Star()).as_("n")).from_(exp.to_table(table))


def _slow() -> exp.Select:
    a, b, c = (exp.to_table("all_objects", alias=x) for x in "abc")
    return exp.select(exp.Count(this=exp.Star()).as_("n")).from_(a).join(b).join(c)


def test_relations_and_columns_come_back_in_lower_case(adapter: OracleAdapter) -> None:
    assert {"items", "sales"} <= set(adapter.relations())
    columns = {c.name: c.type for c in adapter.describe("items")}
    assert columns["price"] == "NUMBER(18,2)"
    assert type_kind(columns["item_id"]) == "integer"


def test_run_counts_rows_and_keeps_the_trees_names(adapter: OracleAdapter) -> None:
    table = adapter.run(_count("items"))
    assert table.column_names == ["n"]
    assert table.column("n").to_pylist() == [ITEMS_ROWS]


def test_stream_gives_every_row(adapter: OracleAdapter) -> None:
    query = exp.select("item_id").from_("items")
    assert sum(b.num_rows for b in adapter.stream(query, batch_rows=64)) == ITEMS_ROWS


def test_explain_reads_plan_table(adapter: OracleAdapter) -> None:
    estimate = adapter.explain(exp.select("item_id").from_("items").limit(5))
    assert estimate.rows is not None and estimate.cost is not None
    assert estimate.max_rows is not None and estimate.max_rows >= estimate.rows


def test_call_timeout_stops_a_slow_query(adapter: OracleAdapter) -> None:
    with pytest.raises(QueryCancelledError) as caught:
        adapter.run(_slow(), timeout_s=0.5)
    assert caught.value.reason == "timeout"


def test_cancel_stops_a_slow_query(adapter: OracleAdapter) -> None:
    threading.Timer(0.5, lambda: adapter.cancel("ora-cancel")).start()
    started = time.monotonic()
    with pytest.raises(QueryCancelledError) as caught:
        adapter.run(_slow(), query_id="ora-cancel")
    assert caught.value.reason == "cancelled" and time.monotonic() - started < 10


@pytest.fixture(scope="module")
def targets(adapter: OracleAdapter, warehouse: TinyWarehouse) -> Iterator[tuple[Target, Target]]:
    from adapters.duckdb_adapter import DuckDBAdapter

    duck = DuckDBAdapter(warehouse.root, threads=2)
    try:
        yield (
            Target(duck, Catalog(duck, rescan_interval_s=3600)),
            Target(adapter, Catalog(adapter, rescan_interval_s=3600)),
        )
    finally:
        duck.close()


def _dates_as_dates(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Oracle's DATE carries a time and arrives as a timestamp; midnight ones are dates."""

    def cell(v: Any) -> Any:
        if isinstance(v, dt.datetime) and v.tzinfo is None and v.time() == dt.time(0):
            return v.date()
        return v

    return [tuple(cell(v) for v in row) for row in rows]


COMPARABLE = [
    name
    for name, case in SPECS.items()
    if not any(word in repr(case.spec) for word in BOOLEAN_COLUMNS)
    and "comparison_as_value" not in name
]


@pytest.mark.parametrize("name", COMPARABLE)
def test_oracle_returns_duckdbs_rows(name: str, targets: tuple[Target, Target]) -> None:
    duck, ora = targets
    case = SPECS[name]
    expected = duck.rows(duck.compile(case.spec, case.rls).tree)
    got = ora.rows(ora.compile(case.spec, case.rls).tree)
    assert differences(_dates_as_dates(expected), _dates_as_dates(got)) == []


def test_index_columns_read_all_ind_columns(adapter: OracleAdapter) -> None:
    assert adapter.index_columns("items") == []
