"""The demo warehouse: a small build is deterministic, complete, consistent and swapped in
without touching other datasets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import polars as pl
import pytest
import sqlglot
from deltalake import DeltaTable

from adapters.duckdb_adapter import DuckDBAdapter
from backend.catalog.catalog import Catalog
from backend.catalog.delta import declared_key
from backend.catalog.warehouse import WarehouseSource
from backend.demo import DATASETS, GENERATOR_VERSION, MANIFEST, build_demo

ROWS = 20_000
REPO = Path(__file__).resolve().parents[1]

SALES_TYPES = [
    ("order_id", "BIGINT"),
    ("order_date", "DATE"),
    ("region", "VARCHAR"),
    ("country", "VARCHAR"),
    ("department", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("product_id", "BIGINT"),
    ("employee_id", "BIGINT"),
    ("quantity", "INTEGER"),
    ("unit_price", "DECIMAL(12,2)"),
    ("discount", "DECIMAL(5,4)"),
    ("revenue", "DECIMAL(18,2)"),
    ("cost", "DECIMAL(18,2)"),
    ("currency", "VARCHAR"),
    ("revenue_local", "DECIMAL(18,2)"),
    ("load_id", "BIGINT"),  # hive partition columns come last, as DuckDB reads them
    ("load_type", "VARCHAR"),
]
ROSTER_TYPES = [
    ("employee_id", "BIGINT"),
    ("full_name", "VARCHAR"),
    ("department", "VARCHAR"),
    ("region", "VARCHAR"),
    ("manager_id", "BIGINT"),
    ("hire_date", "DATE"),
    ("salary_band", "VARCHAR"),
]
PRODUCT_TYPES = [
    ("product_id", "BIGINT"),
    ("product_name", "VARCHAR"),
    ("category", "VARCHAR"),
    ("subcategory", "VARCHAR"),
    ("list_price", "DECIMAL(12,2)"),
    ("launched", "DATE"),
    ("discontinued", "BOOLEAN"),
]


def _quiet(_: str) -> None:
    pass


def _connect(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW global_sales AS SELECT * FROM read_parquet("
        f"'{root}/global_sales/**/*.parquet', hive_partitioning = true)"
    )
    con.execute(f"CREATE VIEW employee_roster AS SELECT * FROM '{root}/employee_roster.parquet'")
    con.execute(f"CREATE VIEW products AS SELECT * FROM '{root}/products.parquet'")
    return con


def _fingerprint(root: Path) -> list[tuple[object, ...]]:
    """Row count and an order-independent hash of every row of each dataset."""
    with _connect(root) as con:
        return [
            con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {name} AS t").fetchone() or ()
            for name in ("global_sales", "employee_roster", "products")
        ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "warehouse", ROWS, progress=_quiet)


@pytest.fixture
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with _connect(warehouse) as connection:
        yield connection


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_same_seed_and_rows_give_identical_content(warehouse: Path, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again", ROWS, progress=_quiet)
    assert _fingerprint(again) == _fingerprint(warehouse)
    assert _fingerprint(again)[0][0] == ROWS


def test_writing_in_chunks_gives_the_same_content(warehouse: Path, tmp_path: Path) -> None:
    chunked = build_demo(tmp_path / "chunked", ROWS, progress=_quiet, chunk_rows=7_000)
    assert _fingerprint(chunked) == _fingerprint(warehouse)
    assert len(list((chunked / "global_sales").rglob("part-00002-*.parquet"))) == 13


def test_another_seed_gives_other_content(warehouse: Path, tmp_path: Path) -> None:
    other = build_demo(tmp_path / "other", ROWS, seed=7, progress=_quiet)
    assert _fingerprint(other)[0] != _fingerprint(warehouse)[0]


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [("global_sales", SALES_TYPES), ("employee_roster", ROSTER_TYPES), ("products", PRODUCT_TYPES)],
)
def test_dataset_has_the_documented_columns_and_types(
    con: duckdb.DuckDBPyConnection, dataset: str, expected: list[tuple[str, str]]
) -> None:
    described = con.execute(f"DESCRIBE {dataset}").fetchall()
    assert [(name, type_) for name, type_, *_ in described] == expected


def test_sales_are_hive_partitioned_by_three_load_types_with_several_load_ids(
    warehouse: Path,
) -> None:
    sales = warehouse / "global_sales"
    load_types = sorted(p.name for p in sales.iterdir() if p.name != "_delta_log")
    assert load_types == ["load_type=DAILY", "load_type=MONTH_END", "load_type=RESTATEMENT"]
    load_ids = {t: sorted(p.name for p in (sales / t).iterdir()) for t in load_types}
    assert len(load_ids["load_type=DAILY"]) == 5
    assert load_ids["load_type=MONTH_END"][-1] == "load_id=20241231"
    assert len(load_ids["load_type=MONTH_END"]) == 6
    assert len(load_ids["load_type=RESTATEMENT"]) == 2
    assert all(list((sales / t / i).glob("*.parquet")) for t in load_ids for i in load_ids[t])


def test_most_rows_are_daily_or_month_end(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(con.execute("SELECT load_type, count(*) FROM global_sales GROUP BY 1").fetchall())
    assert rows["DAILY"] + rows["MONTH_END"] > 0.8 * ROWS
    assert rows["RESTATEMENT"] > 0


@pytest.mark.parametrize(
    ("what", "orphans_sql"),
    [
        ("product", "SELECT count(*) FROM global_sales ANTI JOIN products USING (product_id)"),
        (
            "employee",
            "SELECT count(*) FROM global_sales ANTI JOIN employee_roster USING (employee_id)",
        ),
        (
            "manager",
            "SELECT count(*) FROM employee_roster e WHERE manager_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM employee_roster m WHERE m.employee_id = e.manager_id)",
        ),
    ],
)
def test_every_reference_exists(
    con: duckdb.DuckDBPyConnection, what: str, orphans_sql: str
) -> None:
    assert _scalar(con, orphans_sql) == 0, what


def test_revenue_is_quantity_times_discounted_price_rounded(
    con: duckdb.DuckDBPyConnection,
) -> None:
    wrong = (
        "SELECT count(*) FROM global_sales "
        "WHERE revenue <> round(quantity * unit_price * (1 - discount), 2)"
    )
    assert _scalar(con, wrong) == 0


def test_prices_and_amounts_are_in_us_dollars_with_the_local_revenue_beside(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A yen sale is priced like a dollar sale (within the 5% jitter of the product's list
    price), and `revenue_local` is the revenue at the demo's fixed rate in whole yen."""
    off_list = (
        "SELECT count(*) FROM global_sales s JOIN products p USING (product_id) "
        "WHERE s.unit_price NOT BETWEEN round(p.list_price * 0.95, 2) - 0.01 "
        "AND round(p.list_price * 1.05, 2) + 0.01"
    )
    assert _scalar(con, off_list) == 0
    rates = {"USD": "1.0", "EUR": "0.92", "GBP": "0.79", "JPY": "150.0"}
    for currency, rate in rates.items():
        places = 0 if currency == "JPY" else 2
        wrong = (
            f"SELECT count(*) FROM global_sales WHERE currency = '{currency}' AND "
            f"abs(revenue_local - round(revenue * {rate}, {places})) > 0.01"
        )
        assert _scalar(con, wrong) == 0, currency
    assert (
        _scalar(
            con,
            "SELECT count(*) FROM global_sales WHERE currency = 'USD' AND revenue_local <> revenue",
        )
        == 0
    )
    assert (
        _scalar(
            con,
            "SELECT count(*) FROM global_sales WHERE currency = 'JPY' "
            "AND revenue_local <> round(revenue_local)",
        )
        == 0
    )


def test_regions_sum_to_comparable_revenue(con: duckdb.DuckDBPyConnection) -> None:
    """In one currency, no region dwarfs another (in yen, East looked 80x bigger)."""
    sums = dict(con.execute("SELECT region, sum(revenue) FROM global_sales GROUP BY 1").fetchall())
    assert len(sums) == 5
    assert max(sums.values()) < 6 * min(sums.values())
    local = dict(
        con.execute("SELECT region, sum(revenue_local) FROM global_sales GROUP BY 1").fetchall()
    )
    assert local["East"] > 20 * sums["East"]  # the yen is still there, where it belongs


@pytest.mark.parametrize(
    ("check", "sql", "expected"),
    [
        ("order ids unique", "SELECT count(DISTINCT order_id) FROM global_sales", ROWS),
        ("five regions", "SELECT count(DISTINCT region) FROM global_sales", 5),
        ("four channels", "SELECT count(DISTINCT channel) FROM global_sales", 4),
        ("~25 countries", "SELECT count(DISTINCT country) FROM global_sales", 25),
        ("8 departments", "SELECT count(DISTINCT department) FROM global_sales", 8),
        ("dates in range", "SELECT min(order_date)::VARCHAR FROM global_sales", "2022-01-01"),
        ("dates in range", "SELECT max(order_date)::VARCHAR FROM global_sales", "2024-12-31"),
        (
            "no order after its load",
            "SELECT count(*) FROM global_sales "
            "WHERE order_date > strptime(load_id::VARCHAR, '%Y%m%d')::DATE",
            0,
        ),
        (
            "quantity 1..50",
            "SELECT count(*) FROM global_sales WHERE quantity NOT BETWEEN 1 AND 50",
            0,
        ),
        (
            "discount 0..0.30",
            "SELECT count(*) FROM global_sales WHERE discount NOT BETWEEN 0 AND 0.30",
            0,
        ),
        (
            "many undiscounted",
            f"SELECT count(*) > 0.3 * {ROWS} FROM global_sales WHERE discount = 0",
            True,
        ),
        (
            "one currency per country",
            "SELECT max(n) FROM "
            "(SELECT count(DISTINCT currency) n FROM global_sales GROUP BY country)",
            1,
        ),
        (
            "currencies",
            "SELECT string_agg(DISTINCT currency, ',' ORDER BY currency) FROM global_sales",
            "EUR,GBP,JPY,USD",
        ),
        (
            "one region per country",
            "SELECT max(n) FROM "
            "(SELECT count(DISTINCT region) n FROM global_sales GROUP BY country)",
            1,
        ),
        (
            "seller's region and department",
            "SELECT count(*) FROM global_sales s JOIN employee_roster e USING (employee_id) "
            "WHERE s.region <> e.region OR s.department <> e.department",
            0,
        ),
        ("~5k employees", "SELECT count(*) FROM employee_roster", 5000),
        ("~2k products", "SELECT count(*) FROM products", 2000),
        (
            "top managers have no manager",
            "SELECT count(*) FROM employee_roster WHERE manager_id IS NULL",
            40,
        ),
        (
            "names with apostrophes",
            "SELECT count(*) > 0 FROM employee_roster WHERE full_name LIKE '%''%'",
            True,
        ),
        (
            "names beyond ASCII",
            "SELECT count(*) > 0 FROM employee_roster WHERE full_name LIKE '%José%' "
            "OR full_name LIKE '%Zoë%'",
            True,
        ),
        ("some discontinued", "SELECT bool_or(discontinued) FROM products", True),
    ],
)
def test_data_is_realistic_and_consistent(
    con: duckdb.DuckDBPyConnection, check: str, sql: str, expected: object
) -> None:
    assert _scalar(con, sql) == expected, check


def test_sales_is_a_delta_table_whose_first_version_is_the_whole_demo(warehouse: Path) -> None:
    table = DeltaTable(str(warehouse / "global_sales"))
    assert (table.version(), table.metadata().partition_columns) == (1, ["load_type", "load_id"])
    on_disk = {p.resolve() for p in (warehouse / "global_sales").rglob("*.parquet")}
    assert {Path(urlparse(u).path).resolve() for u in table.file_uris()} == on_disk
    as_delta = pl.from_arrow(table.to_pyarrow_table()).select(pl.len(), pl.col("order_id").sum())
    with _connect(warehouse) as con:
        assert (
            as_delta.row(0)
            == con.execute("SELECT count(*), sum(order_id) FROM global_sales").fetchone()
        )
    assert [h["operation"] for h in table.history()] == ["SET TBLPROPERTIES", "CONVERT"]
    assert declared_key(warehouse / "global_sales") == ("order_id",)  # keyed out of the box


def test_the_catalog_reads_sales_as_a_delta_version_with_its_row_count(warehouse: Path) -> None:
    adapter = DuckDBAdapter(warehouse, threads=2)
    try:
        sales = Catalog(adapter, WarehouseSource(warehouse)).get("global_sales")
        assert sales.version.startswith("delta-") and sales.version.endswith("-v1")
        assert sales.row_estimate == ROWS
        counted = adapter.run(sqlglot.parse_one("SELECT count(*) AS n FROM global_sales"))
        assert counted.column("n").to_pylist() == [ROWS]
    finally:
        adapter.close()


def test_an_older_plain_parquet_demo_is_rebuilt_as_delta(tmp_path: Path) -> None:
    out = build_demo(tmp_path / "warehouse", 500, progress=_quiet)
    shutil.rmtree(out / "global_sales" / "_delta_log")
    manifest = json.loads((out / MANIFEST).read_text())
    del manifest["format"]
    (out / MANIFEST).write_text(json.dumps(manifest))
    messages: list[str] = []
    build_demo(out, 500, progress=messages.append)
    assert (out / "global_sales" / "_delta_log").is_dir()
    assert any(m.startswith("global_sales: Delta table version 0,") for m in messages)


def test_second_run_with_same_rows_and_seed_is_skipped(warehouse: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in warehouse.rglob("*")}
    messages: list[str] = []
    build_demo(warehouse, ROWS, progress=messages.append)
    assert messages == ["demo warehouse up to date"]
    assert {p: p.stat().st_mtime_ns for p in warehouse.rglob("*")} == before
    manifest = json.loads((warehouse / MANIFEST).read_text())
    assert manifest == {
        "generator_version": GENERATOR_VERSION,
        "rows": ROWS,
        "seed": 42,
        "duckdb": duckdb.__version__,
        "format": "delta",
        "layout": "newest-small",
        "primary_key": ["order_id"],
        "codec": "lz4_raw",
    }


def test_rebuild_replaces_demo_datasets_and_keeps_foreign_ones(tmp_path: Path) -> None:
    out = tmp_path / "warehouse"
    build_demo(out, 1_000, progress=_quiet)
    (out / "uploaded.parquet").write_bytes(b"admin file")
    (out / "admin_sales").mkdir()
    (out / "admin_sales" / "part.parquet").write_bytes(b"admin folder")
    messages: list[str] = []
    build_demo(out, 2_000, progress=messages.append)
    assert (out / "uploaded.parquet").read_bytes() == b"admin file"
    assert (out / "admin_sales" / "part.parquet").read_bytes() == b"admin folder"
    assert _fingerprint(out)[0][0] == 2_000
    assert any("global_sales" in m for m in messages)
    assert json.loads((out / MANIFEST).read_text())["rows"] == 2_000


def test_no_temp_folder_is_left_after_a_build(warehouse: Path) -> None:
    assert sorted(p.name for p in warehouse.iterdir()) == sorted([*DATASETS, MANIFEST])


def test_a_dead_build_temp_folder_is_cleaned_up(tmp_path: Path) -> None:
    out = tmp_path / "warehouse"
    abandoned = out / f".demo-tmp-{2**22 + 12345}-dead"  # above Linux's pid_max
    abandoned.mkdir(parents=True)
    build_demo(out, 500, progress=_quiet)
    assert not abandoned.exists()


def test_a_missing_demo_dataset_forces_a_rebuild(tmp_path: Path) -> None:
    out = build_demo(tmp_path / "warehouse", 500, progress=_quiet)
    (out / "products.parquet").unlink()
    build_demo(out, 500, progress=_quiet)
    assert (out / "products.parquet").exists()


@pytest.mark.parametrize(("rows", "seed"), [(0, 42), (-5, 42), (10, -1)])
def test_bad_rows_or_seed_are_refused(tmp_path: Path, rows: int, seed: int) -> None:
    with pytest.raises(ValueError, match="rows must be >= 1, seed >= 0"):
        build_demo(tmp_path / "warehouse", rows, seed=seed, progress=_quiet)
    assert not (tmp_path / "warehouse").exists()


def test_cli_builds_into_the_configured_data_dir_and_reports_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "configured"
    env = {**os.environ, "AURORA_DATA_DIR": str(out)}
    command = [sys.executable, "-m", "backend.demo", "--rows", "3000", "--seed", "3"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "global_sales: 3,000 / 3,000 rows" in done.stderr
    assert json.loads((out / MANIFEST).read_text())["seed"] == 3
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stderr.strip()) == (0, "demo warehouse up to date")


def test_cli_refuses_zero_rows(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "backend.demo", "--rows", "0", "--out", str(tmp_path)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--rows" in done.stderr
