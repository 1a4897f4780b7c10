"""The PostgreSQL rendering runs on the real server and returns DuckDB's rows.

The tiny warehouse is loaded into a throw-away schema; every differential case is compiled,
rendered for postgres, run there, and compared with the hand-written SQL run on DuckDB.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec
from tests.query.catalog import context
from tests.query.conftest import PRODUCT_ROWS, ROSTER_ROWS, sales_rows
from tests.query.test_differential import CASES
from tests.query.test_golden import CASES as GOLDEN_CASES
from tests.query.test_golden import GOLDEN
from tests.required import pg_connect

pytestmark = pytest.mark.postgres

TABLES = {
    "global_sales": (
        "order_id BIGINT, order_date DATE, created_at TIMESTAMP, region VARCHAR, "
        "country VARCHAR, department VARCHAR, channel VARCHAR, product_id BIGINT, "
        "employee_id BIGINT, quantity INTEGER, unit_price NUMERIC(18,2), "
        "discount DOUBLE PRECISION, revenue NUMERIC(18,2), cost NUMERIC(18,2), "
        "is_return BOOLEAN, currency VARCHAR, load_type VARCHAR, load_id BIGINT",
        sales_rows(),
    ),
    "employee_roster": (
        "employee_id BIGINT, name VARCHAR, department VARCHAR, region VARCHAR, "
        "manager_id BIGINT, hire_date DATE",
        ROSTER_ROWS,
    ),
    "products": (
        "product_id BIGINT, product_name VARCHAR, category VARCHAR, subcategory VARCHAR, "
        "list_price NUMERIC(18,2)",
        PRODUCT_ROWS,
    ),
}


@pytest.fixture(scope="module")
def pg() -> Iterator[Any]:
    con = pg_connect(autocommit=True)
    schema = f"aurora_query_{uuid.uuid4().hex[:10]}"
    con.execute(f'CREATE SCHEMA "{schema}"')
    con.execute(f"SET search_path TO \"{schema}\"; SET TimeZone TO 'UTC'")
    with con.cursor() as cur:
        for name, (columns, rows) in TABLES.items():
            cur.execute(f"CREATE TABLE {name} ({columns})")
            marks = ", ".join(["%s"] * len(rows[0]))
            cur.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    yield con
    con.execute(f'DROP SCHEMA "{schema}" CASCADE')
    con.close()


def normalized(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Numbers as rounded floats (PostgreSQL's EXTRACT gives numeric, DuckDB's BIGINT),
    aware timestamps as naive UTC (DATE_TRUNC of a date is timestamptz there)."""

    def cell(value: Any) -> Any:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return round(float(value), 6)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


@pytest.mark.parametrize("case", sorted(CASES))
def test_postgres_rows_equal_hand_written_duckdb_rows(
    case: str, pg: Any, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spec, expected_sql = CASES[case]
    compiled = compile_query(QuerySpec.model_validate(spec), context())
    got = pg.execute(render(compiled.tree, "postgres")).fetchall()
    assert normalized(got) == normalized(warehouse.execute(expected_sql).fetchall())


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_postgres_golden_sql_runs(case: str, pg: Any) -> None:
    pg.execute((GOLDEN / f"{case}.postgres.sql").read_text()).fetchall()
