"""A small demo warehouse (global_sales, employee_roster, products) shared by the join tests,
the real app over it, and plain DuckDB over the same Parquet files for hand-written SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from backend.demo import build_demo
from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api

DEMO_ROWS = 20_000


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "warehouse"
    return build_demo(out, rows=DEMO_ROWS, progress=lambda _message: None)


@pytest.fixture(scope="session")
def raw_demo(demo_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Plain DuckDB with one view per demo dataset, as hand-written SQL sees them."""
    con = duckdb.connect()
    sales = demo_warehouse / "global_sales"
    con.execute(
        "CREATE VIEW global_sales AS SELECT * FROM "
        f"read_parquet('{sales}/**/*.parquet', hive_partitioning=true)"
    )
    for name in ("employee_roster", "products"):
        path = demo_warehouse / f"{name}.parquet"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    yield con
    con.close()


def demo_api_for(store: Store, tmp_path: Path, warehouse: Path, **overrides: Any) -> Iterator[Api]:
    yield from _running_api(store, tmp_path, data_dir=warehouse, **overrides)


@pytest.fixture(scope="module")
def demo_api(
    sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, demo_warehouse: Path
) -> Iterator[Api]:
    """The real app over the demo warehouse, default settings (the cost gate included)."""
    yield from demo_api_for(sqlite_store, tmp_path_factory.mktemp("api"), demo_warehouse)


@dataclass(frozen=True)
class Admin:
    """A caller for QueryService methods called directly."""

    username: str = "admin"
    role: str = "admin"
    attributes: dict[str, Any] = field(default_factory=dict)


def plain(value: Any) -> Any:
    """One value as the API sends it: decimals as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def normalized(rows: list[list[Any]] | list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows comparable across the API and DuckDB: decimals and floats rounded, sorted."""

    def one(v: Any) -> Any:
        v = plain(v)
        if isinstance(v, float):
            return round(v, 4)
        return v

    shaped = [tuple(one(v) for v in row) for row in rows]
    return sorted(shaped, key=lambda row: [(v is None, str(v)) for v in row])


def api_rows(body: dict[str, Any]) -> list[list[Any]]:
    """The rows of a query response, decimal columns as numbers (the API may send exact
    strings when a page holds more than 15 significant digits)."""
    decimal = [c["type"].startswith("DECIMAL") for c in body["columns"]]
    return [
        [
            float(v) if is_dec and isinstance(v, str) else v
            for v, is_dec in zip(row, decimal, strict=True)
        ]
        for row in body["rows"]
    ]
