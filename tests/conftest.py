"""Shared fixtures.

`tiny_warehouse` builds a small, deterministic warehouse in `tmp_path` with DuckDB `COPY ... TO`:

- `items.parquet`: one file, `ITEMS_ROWS` rows:
  `item_id BIGINT` (0..n-1, never NULL), `name VARCHAR` (cycles through `TEXTS`, NULL when
  item_id % 50 == 7), `price DECIMAL(18,2)`, `weight DOUBLE`, `added_on DATE`,
  `updated_at TIMESTAMP`, `active BOOLEAN` (item_id even), each with some NULLs.
- `sales/load_type=<T>/load_id=<N>/data_0.parquet`: hive partitions, `SALES_ROWS_PER_LOAD`
  rows per load in `SALES_LOADS` (load_type -> load ids): `order_id BIGINT` (unique across
  loads), `order_date DATE`, `region VARCHAR` (`REGIONS` or NULL), `customer VARCHAR`
  (`TEXTS` or NULL), `quantity BIGINT`, `amount DECIMAL(18,2)`, `discount DOUBLE`,
  `created_at TIMESTAMP`, `is_return BOOLEAN`, and from the folders `load_type VARCHAR`,
  `load_id BIGINT`.

`TEXTS` holds the awkward strings: quotes, `%`, `_`, backslash, `;`, `--`, unicode, emoji,
leading/trailing spaces. Use `TinyWarehouse.add_sales_load()` to add a partition while a test
runs, and `build_tiny_warehouse(path)` directly for a session-scoped copy (read-only use).
`duckdb_adapter` is a DuckDBAdapter over a fresh tiny warehouse with both views registered.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from adapters.duckdb_adapter import DuckDBAdapter

# The metadata store and authenticated-client fixtures (`api`, `metadata_store`, ...), and the
# skip policy (skips counted by reason; under `make test` only the live-Oracle ones may remain),
# which tests are `slow` (left out of `make check`, by the measured rule in tests/slow.py), and
# which may share the machine under `make test`'s xdist workers (tests/parallel.py).
pytest_plugins = ["tests.store.fixtures", "tests.skip_policy", "tests.slow", "tests.parallel"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: pytest-playwright keeps an event loop running in the main thread
    for the rest of the session, and tests that call asyncio.run() after it would fail."""
    browser = Path(__file__).parent / "e2e"
    items.sort(key=lambda item: browser in Path(str(item.fspath)).parents)


TEXTS: tuple[str, ...] = (
    "plain",
    "O'Brien",
    'say "hi"',
    "50% off",
    "under_score",
    "back\\slash",
    "semi;colon",
    "dash -- comment",
    "Zürich",
    "東京",
    "party 🎉",
    "  padded  ",
)
REGIONS: tuple[str, ...] = ("North", "South", "East", "West")
ITEMS_ROWS = 300
SALES_ROWS_PER_LOAD = 80
SALES_LOADS: dict[str, tuple[int, ...]] = {
    "DAILY": (20240101, 20240102, 20240103),
    "MONTH_END": (20231231, 20240131),
}

_ITEMS_SQL = """
SELECT
  i::BIGINT AS item_id,
  CASE WHEN i % 50 = 7 THEN NULL ELSE list_extract($texts, (i % len($texts)) + 1) END AS name,
  CASE WHEN i % 40 = 3 THEN NULL ELSE ((i * 37) % 10000 / 100)::DECIMAL(18,2) END AS price,
  CASE WHEN i % 45 = 5 THEN NULL ELSE i * 0.125 END::DOUBLE AS weight,
  CASE WHEN i % 60 = 11 THEN NULL ELSE DATE '2024-01-01' + (i % 366)::INTEGER END AS added_on,
  CASE WHEN i % 70 = 13 THEN NULL
       ELSE TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i * 3607) END AS updated_at,
  CASE WHEN i % 30 = 1 THEN NULL ELSE i % 2 = 0 END AS active
FROM range($n) t(i)
"""

_SALES_SQL = """
SELECT
  ($first + i)::BIGINT AS order_id,
  DATE '2023-12-01' + ((i * 7) % 60)::INTEGER AS order_date,
  CASE WHEN i % 17 = 4 THEN NULL ELSE list_extract($regions, (i % len($regions)) + 1) END
    AS region,
  CASE WHEN i % 23 = 9 THEN NULL ELSE list_extract($texts, (i % len($texts)) + 1) END
    AS customer,
  CASE WHEN i % 19 = 2 THEN NULL ELSE (i % 9) + 1 END::BIGINT AS quantity,
  CASE WHEN i % 29 = 6 THEN NULL ELSE ((i * 131) % 100000 / 100)::DECIMAL(18,2) END AS amount,
  CASE WHEN i % 31 = 8 THEN NULL ELSE (i % 5) * 0.05 END::DOUBLE AS discount,
  TIMESTAMP '2023-12-01 08:00:00' + to_seconds(i * 5413) AS created_at,
  CASE WHEN i % 37 = 10 THEN NULL ELSE i % 11 = 0 END AS is_return,
  $load_type AS load_type,
  $load_id::BIGINT AS load_id
FROM range($n) t(i)
"""


@dataclass(frozen=True)
class TinyWarehouse:
    """A built tiny warehouse. `root` is the folder to hand to an adapter or catalog."""

    root: Path

    @property
    def items_path(self) -> Path:
        return self.root / "items.parquet"

    @property
    def sales_path(self) -> Path:
        return self.root / "sales"

    @property
    def sales_rows(self) -> int:
        return SALES_ROWS_PER_LOAD * sum(len(ids) for ids in SALES_LOADS.values())

    def add_sales_load(self, load_type: str, load_id: int, rows: int = SALES_ROWS_PER_LOAD) -> Path:
        """Write one more hive partition of `sales`; returns its folder."""
        with duckdb.connect() as con:
            _copy_sales(con, self.sales_path, load_type, load_id, rows, first=10_000_000 + load_id)
        return self.sales_path / f"load_type={load_type}" / f"load_id={load_id}"


def _copy_sales(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    load_type: str,
    load_id: int,
    rows: int,
    *,
    first: int,
) -> None:
    params = {
        "n": rows,
        "first": first,
        "regions": list(REGIONS),
        "texts": list(TEXTS),
        "load_type": load_type,
        "load_id": load_id,
    }
    con.execute(
        f"COPY ({_SALES_SQL}) TO '{folder}' "
        "(FORMAT parquet, PARTITION_BY (load_type, load_id), OVERWRITE_OR_IGNORE)",
        params,
    )


def build_tiny_warehouse(root: Path) -> TinyWarehouse:
    """Write `items.parquet` and the `sales/` partitions into `root` (created if missing).
    They are copied from one built per process: a hundred-odd fixtures make one, and DuckDB
    writing its six files took 65 ms where copying them takes under 1 ms. `shutil.copy`
    gives the copies their own modification times, as files written anew would have."""
    shutil.copytree(_template().root, root, copy_function=shutil.copy, dirs_exist_ok=True)
    return TinyWarehouse(root=root)


@functools.cache
def _template() -> TinyWarehouse:
    folder = tempfile.TemporaryDirectory(prefix="tiny-warehouse-")
    atexit.register(folder.cleanup)  # which also keeps the folder until the process ends
    return _write_tiny_warehouse(Path(folder.name) / "warehouse")


def _write_tiny_warehouse(root: Path) -> TinyWarehouse:
    root.mkdir(parents=True, exist_ok=True)
    warehouse = TinyWarehouse(root=root)
    with duckdb.connect() as con:
        con.execute(
            f"COPY ({_ITEMS_SQL}) TO '{warehouse.items_path}' (FORMAT parquet)",
            {"n": ITEMS_ROWS, "texts": list(TEXTS)},
        )
        first = 1
        for load_type, load_ids in SALES_LOADS.items():
            for load_id in load_ids:
                _copy_sales(
                    con, warehouse.sales_path, load_type, load_id, SALES_ROWS_PER_LOAD, first=first
                )
                first += SALES_ROWS_PER_LOAD
    return warehouse


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> TinyWarehouse:
    """A fresh tiny warehouse in `tmp_path / "warehouse"`; safe to modify."""
    return build_tiny_warehouse(tmp_path / "warehouse")


@pytest.fixture
def duckdb_adapter(tiny_warehouse: TinyWarehouse) -> Iterator[DuckDBAdapter]:
    """A locked-down DuckDBAdapter with views `items` and `sales` over the tiny warehouse."""
    adapter = DuckDBAdapter(tiny_warehouse.root, threads=2)
    adapter.register_parquet("items", tiny_warehouse.items_path, hive=False)
    adapter.register_parquet("sales", tiny_warehouse.sales_path, hive=True)
    try:
        yield adapter
    finally:
        adapter.close()
