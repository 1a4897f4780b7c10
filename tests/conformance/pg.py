"""The tiny warehouse loaded into a throw-away PostgreSQL schema, for the adapter tests and
the conformance suite. A server that is down fails the test, or skips it outside `make test`
(tests/required.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import psycopg
from psycopg import sql

from backend.demo.postgres import load_arrow
from tests.conftest import TinyWarehouse
from tests.required import PG_URL, pg_connect

__all__ = ["PG_URL", "connect", "tiny_schema", "tiny_sources"]


def connect() -> psycopg.Connection[Any]:
    return pg_connect()


def tiny_sources(warehouse: TinyWarehouse) -> dict[str, str]:
    """The DuckDB SELECT of each tiny dataset, read as the DuckDB adapter's views read it."""
    return {
        "items": f"SELECT * FROM read_parquet('{warehouse.items_path}')",
        "sales": (
            f"SELECT * FROM read_parquet('{warehouse.sales_path}/**/*.parquet', "
            "hive_partitioning = true, union_by_name = true)"
        ),
    }


@contextmanager
def tiny_schema(warehouse: TinyWarehouse, prefix: str = "aurora_conf") -> Iterator[str]:
    """A fresh schema holding `items` and `sales` with the warehouse's rows; dropped after."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with connect() as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        with duckdb.connect() as con:
            for name, select in tiny_sources(warehouse).items():
                table = sql.Identifier(schema, name)
                load_arrow(conn, table, con.sql(select).to_arrow_reader(10_000))
                conn.execute(sql.SQL("ANALYZE {}").format(table))
        conn.commit()
    try:
        yield schema
    finally:
        with connect() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
