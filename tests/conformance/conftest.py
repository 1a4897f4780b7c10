"""Session-wide databases for the conformance suite: the tiny warehouse on DuckDB, and the
same rows in a throw-away PostgreSQL schema (skipped with the reason when the server is
down)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.duckdb_adapter import DuckDBAdapter
from adapters.postgres_adapter import PostgresAdapter
from backend.catalog.catalog import Catalog
from backend.query.render import render
from tests.conformance.pg import PG_URL, tiny_schema
from tests.conformance.targets import Target
from tests.conftest import TinyWarehouse, build_tiny_warehouse


@pytest.fixture(scope="session")
def conformance_warehouse(tmp_path_factory: pytest.TempPathFactory) -> TinyWarehouse:
    root: Path = tmp_path_factory.mktemp("conformance") / "warehouse"
    return build_tiny_warehouse(root)


@pytest.fixture(scope="session")
def duck(conformance_warehouse: TinyWarehouse) -> Iterator[Target]:
    adapter = DuckDBAdapter(conformance_warehouse.root, threads=2)
    try:
        yield Target(adapter, Catalog(adapter, rescan_interval_s=3600))
    finally:
        adapter.close()


@pytest.fixture(scope="session")
def pg_schema(conformance_warehouse: TinyWarehouse) -> Iterator[str]:
    with tiny_schema(conformance_warehouse) as schema:
        yield schema


@pytest.fixture(scope="session")
def pg(pg_schema: str) -> Iterator[Target]:
    adapter = PostgresAdapter(
        PG_URL, schema=pg_schema, renderer=functools.partial(render, dialect="postgres")
    )
    try:
        yield Target(adapter, Catalog(adapter, rescan_interval_s=3600))
    finally:
        adapter.close()
