"""The tiny warehouse loaded into a throw-away PostgreSQL schema, for the adapter tests and
the conformance suite. Skips (with the reason) when the server at 127.0.0.1:5432 is down."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg import sql

from backend.demo.postgres import load_arrow
from tests.conftest import TinyWarehouse

PG_URL = os.environ.get("AURORA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def connect() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(PG_URL, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"no PostgreSQL at {PG_URL}: {e}")


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
