"""The escape probes: nothing a query can say reaches a file, a setting or an extension
outside the warehouse. Non-SELECT statements stop at the guard; SELECT-shaped ones reach
DuckDB and stop at the lock-down."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
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


class _SpyCursor:
    """A real cursor that records what it is asked to parse and to run."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, calls: list[tuple[str, object]]):
        self._cursor, self._calls = cursor, calls

    def extract_statements(self, sql: str) -> list[duckdb.Statement]:
        self._calls.append(("parse", sql))
        return self._cursor.extract_statements(sql)

    def sql(self, query: object) -> duckdb.DuckDBPyRelation:
        self._calls.append(("run", query))
        return self._cursor.sql(query)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self._cursor, name)


class _SpyConnection:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.calls: list[tuple[str, object]] = []

    def cursor(self) -> _SpyCursor:
        return _SpyCursor(self._con.cursor(), self.calls)


@pytest.mark.parametrize("method", ["run", "stream"])
def test_a_statement_is_parsed_once_and_that_parse_is_what_runs(
    duckdb_adapter: DuckDBAdapter, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    def no_text_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("sqlglot parsed the rendered SQL again")

    query = exp.select("item_id").from_("items").order_by("item_id").limit(2)
    monkeypatch.setattr(sqlglot, "parse", no_text_parse)
    monkeypatch.setattr(sqlglot, "parse_one", no_text_parse)
    spy = _SpyConnection(duckdb_adapter._con)
    monkeypatch.setattr(duckdb_adapter, "_con", spy)

    result = getattr(duckdb_adapter, method)(query)
    rows = result if isinstance(result, pa.Table) else pa.Table.from_batches(list(result))

    assert rows.column("item_id").to_pylist() == [0, 1]
    (parse, sql), (run, ran) = spy.calls
    assert (parse, run) == ("parse", "run")
    assert sql == duckdb_adapter.render(query)
    assert isinstance(ran, duckdb.Statement) and ran.type == duckdb.StatementType.SELECT


@pytest.mark.parametrize(
    "rendered",
    [
        "SELECT 1; COPY (SELECT 1) TO '{warehouse}/x.csv'",
        "COPY (SELECT 1) TO '{warehouse}/x.csv'",
        "SELECT 1; DROP VIEW items",
        "SELECT 1 /* unterminated",
    ],
)
def test_duckdbs_parse_refuses_what_a_wrong_rendering_would_run(
    duckdb_adapter: DuckDBAdapter,
    tiny_warehouse: TinyWarehouse,
    monkeypatch: pytest.MonkeyPatch,
    rendered: str,
) -> None:
    """Past the tree guard (a SELECT tree), text that is not one SELECT is still refused,
    by DuckDB's own parse, and nothing of it runs."""
    text = rendered.format(warehouse=tiny_warehouse.root)
    monkeypatch.setattr(duckdb_adapter, "render", lambda _query: text)
    before = sorted(p.name for p in tiny_warehouse.root.rglob("*"))
    query = exp.select("1")
    for method in ("run", "stream", "explain"):
        with pytest.raises(UnsafeStatementError):
            result = getattr(duckdb_adapter, method)(query)
            list(result) if method == "stream" else None
    assert sorted(p.name for p in tiny_warehouse.root.rglob("*")) == before
    monkeypatch.undo()
    assert duckdb_adapter.run(exp.select("item_id").from_("items")).num_rows > 0
