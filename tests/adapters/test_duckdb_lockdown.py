"""The escape probes: nothing a query can say reaches a file, a setting or an extension
outside the warehouse. Non-SELECT statements stop at the guard; SELECT-shaped ones reach
DuckDB and stop at the lock-down."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from adapters.base import AdapterQueryError, UnsafeStatementError
from adapters.duckdb_adapter import DuckDBAdapter
from tests.conftest import TinyWarehouse

SELECT_PROBES = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM glob('/*')",
    "SELECT getenv('HOME')",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM read_parquet('{outside}')",
    "SELECT * FROM read_parquet('{warehouse}/../outside.parquet')",
    "SELECT * FROM parquet_metadata('{outside}')",
]

STATEMENT_PROBES = [
    "COPY (SELECT 1) TO '{warehouse}/x.csv'",
    "COPY items TO '{warehouse}/x.parquet' (FORMAT parquet)",
    "COPY (SELECT 1) TO '/tmp/aurora-probe-x.csv'",
    "ATTACH '/tmp/aurora-probe.db' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "PRAGMA enable_profiling",
    "CREATE TABLE t AS SELECT 1",
    "SELECT 1 INTO t",
    "WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT * FROM x",
    "DROP VIEW items",
    "DESCRIBE items",
    "CALL pragma_version()",
]


@pytest.fixture
def outside_file(tmp_path: Path) -> Path:
    """A readable Parquet file beside, not inside, the warehouse."""
    path = tmp_path / "outside.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 42 AS secret) TO '{path}' (FORMAT parquet)")
    return path


def _probe(template: str, warehouse: TinyWarehouse, outside: Path) -> exp.Expression:
    sql = template.format(warehouse=warehouse.root, outside=outside)
    return sqlglot.parse_one(sql, read="duckdb")


@pytest.mark.parametrize("template", SELECT_PROBES)
def test_select_probe_is_refused_by_the_lock_down(
    duckdb_adapter: DuckDBAdapter,
    tiny_warehouse: TinyWarehouse,
    outside_file: Path,
    template: str,
) -> None:
    with pytest.raises(AdapterQueryError, match=r"Permission|getenv does not exist"):
        duckdb_adapter.run(_probe(template, tiny_warehouse, outside_file))


@pytest.mark.parametrize("template", STATEMENT_PROBES)
def test_statement_probe_is_refused_by_the_guard_and_writes_nothing(
    duckdb_adapter: DuckDBAdapter,
    tiny_warehouse: TinyWarehouse,
    outside_file: Path,
    template: str,
) -> None:
    before = sorted(p.name for p in tiny_warehouse.root.rglob("*"))
    with pytest.raises(UnsafeStatementError):
        duckdb_adapter.run(_probe(template, tiny_warehouse, outside_file))
    assert sorted(p.name for p in tiny_warehouse.root.rglob("*")) == before
    assert not Path("/tmp/aurora-probe-x.csv").exists()
    assert "t" not in duckdb_adapter.relations()


@pytest.mark.parametrize("method", ["stream", "explain"])
def test_other_query_paths_apply_the_guard(duckdb_adapter: DuckDBAdapter, method: str) -> None:
    copy = sqlglot.parse_one("COPY (SELECT 1) TO '/tmp/aurora-probe-y.csv'", read="duckdb")
    with pytest.raises(UnsafeStatementError):
        result = getattr(duckdb_adapter, method)(copy)
        list(result)


# The layer below the guard: even SQL that skipped it cannot undo the lock-down. This reaches
# into the adapter's connection on purpose, to test that layer alone.
@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1) TO '/tmp/aurora-probe-z.csv'",
        "ATTACH '/tmp/aurora-probe.db' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "RESET lock_configuration",
    ],
)
def test_lock_down_holds_without_the_guard(duckdb_adapter: DuckDBAdapter, sql: str) -> None:
    cursor = duckdb_adapter._con.cursor()
    with pytest.raises(duckdb.Error):
        cursor.execute(sql)
    assert not Path("/tmp/aurora-probe-z.csv").exists()


def test_lock_down_settings_are_in_force(
    duckdb_adapter: DuckDBAdapter, tiny_warehouse: TinyWarehouse
) -> None:
    query = exp.select(
        *(
            exp.func("current_setting", exp.Literal.string(name)).as_(name)
            for name in (
                "enable_external_access",
                "lock_configuration",
                "autoload_known_extensions",
                "autoinstall_known_extensions",
                "allowed_directories",
            )
        )
    )
    row = duckdb_adapter.run(query).to_pylist()[0]
    assert row["enable_external_access"] is False
    assert row["lock_configuration"] is True
    assert row["autoload_known_extensions"] is False
    assert row["autoinstall_known_extensions"] is False
    assert f"{tiny_warehouse.root.resolve()}/" in row["allowed_directories"]
    # Besides the warehouse, only DuckDB's own spill folder, which the adapter made private.
    spill = str(Path(tempfile.gettempdir()).resolve() / "aurora-duckdb-")
    others = [d for d in row["allowed_directories"] if d != f"{tiny_warehouse.root.resolve()}/"]
    assert len(others) <= 1
    assert all(d.startswith(spill) for d in others)
