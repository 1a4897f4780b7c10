"""DuckDB over a warehouse folder of Parquet files, on a connection user input cannot leave.

One in-memory database holds one view per dataset. The connection is locked down before any
view exists: only the warehouse folder (and DuckDB's private spill folder) may be read,
extensions are never installed or loaded, and the configuration is locked. Views over paths in
the warehouse can still be created after that (measured on DuckDB 2.0.0), so registration
simply runs on an internal cursor at any time. A view re-expands its glob on every query, so a
new partition folder is seen without re-registering.

Locked down, DuckDB still lets `COPY ... TO` write inside the warehouse, so every statement
also passes the single-SELECT guard: on the sqlglot tree, then on DuckDB's own parse of the
rendered text, and exactly that parsed statement runs. The text is parsed once: DuckDB's
parse is the one that decides what runs, so a second parse by sqlglot (2-3 ms of CPU per
statement, measured) could only disagree with it, never stop anything it lets through.

Every query runs on a fresh cursor, so concurrent calls from several threads run in parallel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from adapters.base import (
    AdapterQueryError,
    ColumnInfo,
    ColumnStats,
    Estimate,
    QueryCancelledError,
    UnsafeStatementError,
)
from adapters.duckdb_plan import estimate_from_plan
from adapters.guard import ensure_select
from adapters.statements import RunningStatement, StatementRegistry

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GLOB_CHARS = re.compile(r"[*?\[\]{}]")
# Errors a running statement can end with: DuckDB's own, and Arrow's while streaming batches.
_QUERY_ERRORS = (duckdb.Error, pa.ArrowException, OSError)


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _relation(name: str) -> exp.Table:
    if not NAME_RE.match(name):
        raise ValueError(f"{name!r} is not a valid relation name (letters, digits, underscore).")
    return exp.Table(this=_ident(name))


def _set(option: str, value: exp.Expression) -> exp.Set:
    return exp.Set(
        expressions=[exp.SetItem(this=exp.EQ(this=exp.column(option), expression=value))]
    )


def _named_arg(name: str, value: bool) -> exp.EQ:
    return exp.EQ(this=exp.column(name), expression=exp.Boolean(this=value))


class DuckDBAdapter:
    """The embedded default adapter. See the module docstring for the lock-down."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(
        self, warehouse_dir: Path, *, threads: int | None = None, memory_limit: str | None = None
    ) -> None:
        self.warehouse_dir = Path(warehouse_dir).resolve()
        self.warehouse_dir.mkdir(parents=True, exist_ok=True)
        # DuckDB adds its spill folder to the allowed directories; keep it private to us.
        self._temp_dir = tempfile.mkdtemp(prefix="aurora-duckdb-")
        config: dict[str, Any] = {
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": self._temp_dir,
            # DuckDB's own allocator keeps the memory a query freed (a sort's runs, the
            # Arrow result) for reuse and gives it back to the system only from these
            # threads: without them a process's RSS climbs to its busiest moment and stays
            # there. Sixty sorted 8,000-row pages of the 3M demo on four threads left 1.2 GB
            # held for good without them, and 50 MB five seconds later with them.
            "allocator_background_threads": True,
        }
        if threads is not None:
            config["threads"] = threads
        # The services build this adapter from the warehouse alone; the per-process budget
        # (DUCKDB_MEMORY_LIMIT, see backend.serve) arrives through the environment so that N
        # API processes on one machine do not each take DuckDB's default 80% of RAM.
        memory_limit = memory_limit or os.environ.get("DUCKDB_MEMORY_LIMIT") or None
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        self._con = duckdb.connect(":memory:", config=config)
        self._admin = self._con.cursor()
        self._admin_lock = threading.Lock()
        self._views: dict[str, Path] = {}
        self._statements = StatementRegistry()
        self._lock_down()

    def _lock_down(self) -> None:
        # allowed_directories cannot go in the connect config (DuckDB refuses it before the
        # database starts), so it is the first SET; the trailing slash keeps a sibling folder
        # such as `warehouse2` out.
        folder = exp.Array(expressions=[exp.Literal.string(f"{self.warehouse_dir}/")])
        for statement in (
            _set("allowed_directories", folder),
            _set("enable_external_access", exp.false()),
            _set("lock_configuration", exp.true()),
        ):
            self._admin_execute(statement)

    def _admin_execute(self, statement: exp.Expression) -> list[tuple[Any, ...]]:
        sql = statement.sql(dialect="duckdb", identify=True)
        with self._admin_lock:
            try:
                return self._admin.execute(sql).fetchall()
            except duckdb.Error as e:
                raise AdapterQueryError(str(e)) from e

    # --- datasets -------------------------------------------------------------------------

    def _inside(self, path: Path) -> Path:
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.warehouse_dir):
            raise ValueError(f"{path} is outside the warehouse {self.warehouse_dir}.")
        if _GLOB_CHARS.search(str(resolved)):
            raise ValueError(f"{path} contains glob characters (* ? [ ] {{ }}).")
        return resolved

    def _source(
        self, path: Path, *, hive: bool, files: Sequence[Path] | None = None
    ) -> exp.Expression:
        resolved = self._inside(path)
        if files is not None:  # a table format's own file list (Delta): exactly these files
            if not files:
                raise ValueError(f"{path} lists no data files.")
            listed = [exp.Literal.string(str(self._inside(f))) for f in files]
            where: exp.Expression = exp.Array(expressions=listed)
        elif not resolved.is_dir():
            return exp.ReadParquet(expressions=[exp.Literal.string(str(resolved))])
        else:
            where = exp.Literal.string(f"{resolved}/**/*.parquet")
        return exp.ReadParquet(
            expressions=[
                where,
                _named_arg("hive_partitioning", hive),
                _named_arg("union_by_name", True),
            ]
        )

    def register_parquet(
        self, name: str, path: Path, *, hive: bool, files: Sequence[Path] | None = None
    ) -> None:
        """Create or replace view `name` over a Parquet file, a folder of Parquet files, or
        (`files`) exactly the listed files under `path`, as a Delta table's version names them.

        A folder is read with `union_by_name`, so files of different loads may differ in
        columns; DuckDB then reads every file's footer when it binds a query, which measured
        tens of milliseconds per query at 1,000 files (under 1 ms at 15)."""
        source = self._source(path, hive=hive, files=files)
        view = exp.Create(
            this=_relation(name),
            kind="VIEW",
            replace=True,
            expression=exp.select(exp.Star()).from_(exp.Table(this=source)),
        )
        self._admin_execute(view)
        self._views[name] = Path(path).resolve()

    def unregister(self, name: str) -> None:
        """Drop view `name`; nothing happens when it does not exist."""
        self._admin_execute(exp.Drop(tables=[_relation(name)], kind="VIEW", exists=True))
        self._views.pop(name, None)

    def relations(self) -> list[str]:
        return sorted(self._views.copy())  # copy: registration may run on another thread

    def describe(self, relation: str) -> list[ColumnInfo]:
        rows = self._admin_execute(exp.Describe(this=_relation(relation)))
        return [ColumnInfo(name=str(row[0]), type=str(row[1])) for row in rows]

    def column_stats(self, relation: str, columns: Sequence[str]) -> dict[str, ColumnStats]:
        """Row count, approximate distinct count, min and max of each column, in one scan."""
        select = exp.select(exp.Count(this=exp.Star()).as_("n", quoted=True))
        for i, name in enumerate(columns):
            col = exp.column(_ident(name))
            select = select.select(
                exp.ApproxDistinct(this=col).as_(f"d{i}", quoted=True),
                exp.Min(this=col.copy()).as_(f"lo{i}", quoted=True),
                exp.Max(this=col.copy()).as_(f"hi{i}", quoted=True),
                copy=False,
            )
        row = self.run(select.from_(_relation(relation))).to_pylist()[0]
        return {
            name: ColumnStats(
                rows=int(row["n"]),
                distinct=row[f"d{i}"],
                min_value=row[f"lo{i}"],
                max_value=row[f"hi{i}"],
            )
            for i, name in enumerate(columns)
        }

    # --- queries --------------------------------------------------------------------------

    def render(self, query: exp.Expression) -> str:
        return query.sql(dialect="duckdb", identify=True)

    def _checked_sql(self, query: exp.Expression) -> str:
        ensure_select(query)
        return self.render(query)

    @staticmethod
    def _select_statement(cursor: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
        """DuckDB's own parse of `sql` when it is exactly one SELECT statement; the caller
        runs this parsed statement, so what was checked is what runs, parsed once."""
        try:
            statements = cursor.extract_statements(sql)
        except duckdb.Error as e:
            raise UnsafeStatementError("DuckDB cannot parse the rendered SQL.") from e
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise UnsafeStatementError("Only a single SELECT may run.")
        return statements[0]

    @staticmethod
    def _failure(
        error: BaseException, statement: RunningStatement, timeout_s: float | None
    ) -> Exception:
        if statement.reason == "timeout":
            return QueryCancelledError(
                f"The query ran longer than {timeout_s:g} s and was stopped.", reason="timeout"
            )
        if statement.reason == "cancelled" or isinstance(error, duckdb.InterruptException):
            return QueryCancelledError("The query was cancelled.", reason="cancelled")
        return AdapterQueryError(str(error))

    def run(
        self, query: exp.Expression, *, timeout_s: float | None = None, query_id: str | None = None
    ) -> pa.Table:
        sql = self._checked_sql(query)
        cursor = self._con.cursor()
        try:
            checked = self._select_statement(cursor, sql)
            with self._statements.track(query_id, cursor.interrupt, timeout_s) as statement:
                try:
                    return cursor.sql(checked).to_arrow_table()
                except _QUERY_ERRORS as e:
                    raise self._failure(e, statement, timeout_s) from e
        finally:
            cursor.close()

    def stream(
        self,
        query: exp.Expression,
        *,
        batch_rows: int = 65_536,
        timeout_s: float | None = None,
        query_id: str | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most `batch_rows` rows (DuckDB may send smaller ones). The timeout
        counts from the first batch requested and covers the whole iteration."""
        sql = self._checked_sql(query)
        return self._batches(sql, batch_rows, timeout_s, query_id)

    def _batches(
        self, sql: str, batch_rows: int, timeout_s: float | None, query_id: str | None
    ) -> Iterator[pa.RecordBatch]:
        cursor = self._con.cursor()
        try:
            checked = self._select_statement(cursor, sql)
            with self._statements.track(query_id, cursor.interrupt, timeout_s) as statement:
                try:
                    yield from cursor.sql(checked).to_arrow_reader(batch_rows)
                except _QUERY_ERRORS as e:
                    raise self._failure(e, statement, timeout_s) from e
        finally:
            cursor.close()

    def explain(self, query: exp.Expression) -> Estimate:
        sql = self._checked_sql(query)
        cursor = self._con.cursor()
        try:
            self._select_statement(cursor, sql)
            row = cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()
        except duckdb.Error as e:
            raise AdapterQueryError(str(e)) from e
        finally:
            cursor.close()
        if row is None:
            raise AdapterQueryError("EXPLAIN returned no plan.")
        return estimate_from_plan(json.loads(row[1]))

    def cancel(self, query_id: str) -> bool:
        return self._statements.cancel(query_id)

    def close(self) -> None:
        self._statements.cancel_all(wait_s=2.0)
        with self._admin_lock:
            self._admin.close()
            self._con.close()
        shutil.rmtree(self._temp_dir, ignore_errors=True)
