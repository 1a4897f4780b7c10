"""`python -m backend.demo --target postgres`: the demo tables land in PostgreSQL with the
Parquet build's rows, indexed on join keys and load columns, analyzed, and a second identical
load is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from psycopg import sql

from backend.demo import build_demo
from backend.demo.postgres import load_demo_postgres
from tests.conformance.pg import PG_URL, connect

pytestmark = pytest.mark.postgres

ROWS = 3_000
REPO = Path(__file__).resolve().parents[2]
SUMMARY = (
    "SELECT count(*), count(DISTINCT employee_id), sum(revenue), min(order_date), "
    "max(load_id) FROM {}"
)


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    name = f"aurora_demo_{uuid.uuid4().hex[:10]}"
    messages: list[str] = []
    load_demo_postgres(PG_URL, name, ROWS, seed=7, progress=messages.append, chunk_rows=1_000)
    assert any("global_sales: 3,000 / 3,000 rows" in m for m in messages)
    try:
        yield name
    finally:
        with connect() as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def test_tables_hold_the_parquet_builds_rows(schema: str, tmp_path: Path) -> None:
    build_demo(tmp_path / "warehouse", rows=ROWS, seed=7, progress=lambda _m: None)
    parquet = f"read_parquet('{tmp_path}/warehouse/global_sales/**/*.parquet', hive_partitioning=1)"
    expected = duckdb.connect().execute(SUMMARY.format(parquet)).fetchone()
    with connect() as conn:
        got = conn.execute(
            sql.SQL(SUMMARY).format(sql.Identifier(schema, "global_sales"))
        ).fetchone()
        counts = {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
            ).fetchone()
            for table in ("products", "employee_roster")
        }
    assert got == expected
    roster = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM '{tmp_path}/warehouse/employee_roster.parquet'")
        .fetchone()
    )
    assert counts["employee_roster"] == roster


def test_join_keys_and_load_columns_are_indexed_and_analyzed(schema: str) -> None:
    with connect() as conn:
        indexes = conn.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s", [schema]
        ).fetchall()
        analyzed = conn.execute(
            "SELECT relname, reltuples FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE nspname = %s AND relkind = 'r'",
            [schema],
        ).fetchall()
    defs = {(t, d.split("USING btree ")[1]) for t, d in indexes}
    assert {
        ("global_sales", "(employee_id)"),
        ("global_sales", "(product_id)"),
        ("global_sales", "(load_type, load_id)"),
        ("employee_roster", "(employee_id)"),
        ("products", "(product_id)"),
    } <= defs
    assert not [name for _, name in indexes if "_aurora_new_" in name]
    assert dict(analyzed)["global_sales"] == ROWS


def test_the_same_load_again_is_skipped(schema: str) -> None:
    messages: list[str] = []
    load_demo_postgres(PG_URL, schema, ROWS, seed=7, progress=messages.append)
    assert messages == [f"demo tables in PostgreSQL schema {schema!r} up to date"]


def test_cli_needs_a_database_url() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_")}
    result = subprocess.run(
        [sys.executable, "-m", "backend.demo", "--target", "postgres", "--rows", "10"],
        cwd=REPO,
        env={**env, "AURORA_DATA_DIR": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "AURORA_DB_URL" in result.stderr


def test_cli_loads_into_the_configured_schema(tmp_path: Path) -> None:
    name = f"aurora_demo_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "AURORA_DB_URL": PG_URL, "AURORA_DB_SCHEMA": name}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "backend.demo", "--target", "postgres", "--rows", "500"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        with connect() as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name, "global_sales"))
            ).fetchone()
        assert row == (500,)
    finally:
        with connect() as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
