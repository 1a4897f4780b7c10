"""Oracle through python-oracledb (thin mode) and a session pool. NOT RUN against a server here:
the live tests run only when AURORA_TEST_ORACLE_DSN is set.

Every pooled session gets `CURRENT_SCHEMA` (the datasets' owner), UTC and binary sorting and
comparison (`NLS_SORT`/`NLS_COMP` BINARY: row order and text equality as on DuckDB and a
C-collated PostgreSQL). A query runs in a `SET TRANSACTION READ ONLY` transaction that is
rolled back after it, with `call_timeout` bounding each round trip; `cancel(query_id)` calls
`connection.cancel()`, which also ends a whole streamed export past its timeout. Results come
as Arrow through `fetch_df_all` / `fetch_df_batches`, their columns renamed to the names the
query tree gives (Oracle reports unquoted aliases in upper case).

EXPLAIN PLAN writes to PLAN_TABLE (session-private), so it cannot run read-only; it runs under
our own statement id, and the rows are deleted and committed after reading them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import oracledb
import pyarrow as pa
from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from adapters.base import (
    AdapterQueryError,
    ColumnInfo,
    ColumnStats,
    Estimate,
    QueryCancelledError,
)
from adapters.guard import ensure_select, ensure_select_sql
from adapters.oracle_sql import (
    CURRENT_SCHEMA_SQL,
    DESCRIBE_SQL,
    INDEX_COLUMNS_SQL,
    PLAN_DELETE_SQL,
    PLAN_ROWS_SQL,
    RELATIONS_SQL,
    connect_params,
    estimate_from_plan_rows,
    explain_sql,
    new_statement_id,
    oracle_type,
    present_name,
    stored_name,
)
from adapters.statements import RunningStatement, StatementRegistry

Renderer = Callable[[exp.Expression], str]

_TIMEOUT_CODE = "DPY-4024"  # call_timeout expired
_CANCEL_CODE = "ORA-01013"  # user requested cancel of current operation
_FETCH_ROWS = 10_000
_SESSION_SETUP = (
    "ALTER SESSION SET TIME_ZONE = 'UTC'",
    "ALTER SESSION SET NLS_SORT = BINARY",
    "ALTER SESSION SET NLS_COMP = BINARY",
)


def default_render(query: exp.Expression) -> str:
    """sqlglot's Oracle text with names folded the way Oracle stores them, then quoted."""
    return normalize_identifiers(query.copy(), dialect="oracle").sql("oracle", identify=True)


def keep_case(query: exp.Expression) -> exp.Expression:
    """Mark names with an upper-case letter as quoted, so that rendering folds only the
    all-lower-case ones (shown for Oracle's upper-case names) and keeps `Mixed` as stored."""
    if not any(_needs_quotes(i) for i in query.find_all(exp.Identifier)):
        return query
    tree = query.copy()
    for ident in tree.find_all(exp.Identifier):
        if _needs_quotes(ident):
            ident.set("quoted", True)
    return tree


def _needs_quotes(ident: exp.Identifier) -> bool:
    return not ident.quoted and ident.name != ident.name.lower()


def _code(error: BaseException) -> str:
    detail = error.args[0] if error.args else None
    return str(getattr(detail, "full_code", "") or "")


def _output_names(query: exp.Expression) -> list[str]:
    return list(query.named_selects) if isinstance(query, exp.Query) else []


class OracleAdapter:
    """See the module docstring."""

    name = "oracle"
    dialect = "oracle"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        pool_min: int = 1,
        pool_max: int = 8,
        pool_increment: int = 1,
        renderer: Renderer | None = None,
        explain_timeout_s: float = 10.0,
        fetch_decimals: bool = False,
    ) -> None:
        self._schema = stored_name(schema) if schema else None
        self._owner: str | None = self._schema
        self._render = renderer or default_render
        self._explain_timeout_s = explain_timeout_s
        self._fetch_decimals = fetch_decimals
        self._statements = StatementRegistry()
        self._pool = oracledb.create_pool(
            **connect_params(url),
            min=pool_min,
            max=pool_max,
            increment=pool_increment,
            getmode=oracledb.POOL_GETMODE_TIMEDWAIT,
            wait_timeout=30_000,
            ping_interval=60,
            session_callback=self._configure_session,
        )

    def _configure_session(self, conn: Any, _requested_tag: str | None) -> None:
        with conn.cursor() as cur:
            for statement in _SESSION_SETUP:
                cur.execute(statement)
            if self._schema is not None:
                # An identifier cannot be bound; it is quoted with quotes doubled.
                quoted = self._schema.replace('"', '""')
                cur.execute(f'ALTER SESSION SET CURRENT_SCHEMA = "{quoted}"')

    # --- sessions -------------------------------------------------------------------------

    @contextmanager
    def _connection(self, timeout_s: float | None) -> Iterator[Any]:
        """A pooled session with `call_timeout` set; whatever it did is rolled back after."""
        with self._pool.acquire() as conn:
            conn.call_timeout = 0 if timeout_s is None else max(1, round(timeout_s * 1000))
            try:
                yield conn
            finally:
                with suppress(oracledb.Error):  # a broken session; the pool's ping replaces it
                    conn.rollback()

    @contextmanager
    def _session(self, query_id: str | None, timeout_s: float | None) -> Iterator[Any]:
        """A READ ONLY transaction whose calls are registered under `query_id`; database
        errors come out as ours."""
        statement: RunningStatement | None = None
        try:
            with (
                self._connection(timeout_s) as conn,
                self._statements.track(query_id, conn.cancel, timeout_s) as statement,
            ):
                with conn.cursor() as cur:
                    cur.execute("SET TRANSACTION READ ONLY")
                yield conn
        except (oracledb.Error, pa.ArrowException) as e:
            raise self._failure(e, statement, timeout_s) from e

    @staticmethod
    def _failure(
        error: BaseException, statement: RunningStatement | None, timeout_s: float | None
    ) -> Exception:
        reason = statement.reason if statement is not None else None
        code = _code(error)
        if reason == "timeout" or (reason is None and code == _TIMEOUT_CODE):
            limit = "its time limit" if timeout_s is None else f"{timeout_s:g} s"
            return QueryCancelledError(
                f"The query ran longer than {limit} and was stopped.", reason="timeout"
            )
        if reason == "cancelled" or code == _CANCEL_CODE:
            return QueryCancelledError("The query was cancelled.", reason="cancelled")
        return AdapterQueryError(str(error))

    def _dictionary(self, sql: str, **binds: Any) -> list[tuple[Any, ...]]:
        """A query of ours over the data dictionary (binds only, no input in the text)."""
        try:
            with self._connection(30.0) as conn, conn.cursor() as cur:
                cur.execute(sql, binds)
                return [tuple(r) for r in cur.fetchall()]
        except oracledb.Error as e:
            raise AdapterQueryError(str(e)) from e

    def owner(self) -> str:
        """The schema whose tables and views are the datasets: AURORA_DB_SCHEMA, else the
        connecting user's current schema."""
        if self._owner is None:
            self._owner = str(self._dictionary(CURRENT_SCHEMA_SQL)[0][0])
        return self._owner

    # --- datasets -------------------------------------------------------------------------

    def relations(self) -> list[str]:
        rows = self._dictionary(RELATIONS_SQL, owner=self.owner())
        return sorted(present_name(str(r[0])) for r in rows)

    def describe(self, relation: str) -> list[ColumnInfo]:
        rows = self._dictionary(DESCRIBE_SQL, owner=self.owner(), name=stored_name(relation))
        if not rows:
            raise AdapterQueryError(f"Relation {relation!r} does not exist in {self.owner()!r}.")
        return [
            ColumnInfo(name=present_name(str(name)), type=oracle_type(str(kind), p, s, length))
            for name, kind, p, s, length in rows
        ]

    def index_columns(self, relation: str) -> list[tuple[str, ...]]:
        """The columns of each index on `relation`, in index order, as the catalog names them."""
        rows = self._dictionary(INDEX_COLUMNS_SQL, owner=self.owner(), name=stored_name(relation))
        indexes: dict[str, list[str]] = {}
        for index, column in rows:
            indexes.setdefault(str(index), []).append(present_name(str(column)))
        return [tuple(columns) for _, columns in sorted(indexes.items())]

    def column_stats(self, relation: str, columns: Sequence[str]) -> dict[str, ColumnStats]:
        """Row count, approximate distinct count, min and max of each column, in one scan."""
        select = exp.select(exp.Count(this=exp.Star()).as_("n"))
        for i, name in enumerate(columns):
            col = exp.column(exp.to_identifier(name))
            select = select.select(
                # sqlglot renders ApproxDistinct as APPROX_DISTINCT, which Oracle lacks.
                exp.Anonymous(this="APPROX_COUNT_DISTINCT", expressions=[col]).as_(f"d{i}"),
                exp.Min(this=col.copy()).as_(f"lo{i}"),
                exp.Max(this=col.copy()).as_(f"hi{i}"),
                copy=False,
            )
        table = exp.Table(this=exp.to_identifier(relation))
        row = self.run(select.from_(table), timeout_s=self._explain_timeout_s).to_pylist()[0]
        return {
            name: ColumnStats(
                rows=int(row["n"]),
                distinct=None if row[f"d{i}"] is None else int(row[f"d{i}"]),
                min_value=row[f"lo{i}"],
                max_value=row[f"hi{i}"],
            )
            for i, name in enumerate(columns)
        }

    # --- queries --------------------------------------------------------------------------

    def render(self, query: exp.Expression) -> str:
        return self._render(keep_case(query))

    def checked_sql(self, query: exp.Expression) -> str:
        """The text that would be sent, after the single-SELECT checks."""
        ensure_select(query)
        sql = self.render(query)
        ensure_select_sql(sql, "oracle")
        return sql

    def _named(self, table: pa.Table, names: list[str]) -> pa.Table:
        return table.rename_columns(names) if len(names) == table.num_columns else table

    def run(
        self, query: exp.Expression, *, timeout_s: float | None = None, query_id: str | None = None
    ) -> pa.Table:
        sql = self.checked_sql(query)
        with self._session(query_id, timeout_s) as conn:
            frame = conn.fetch_df_all(
                sql, arraysize=_FETCH_ROWS, fetch_decimals=self._fetch_decimals
            )
            return self._named(pa.table(frame), _output_names(query))

    def stream(
        self,
        query: exp.Expression,
        *,
        batch_rows: int = 65_536,
        timeout_s: float | None = None,
        query_id: str | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most `batch_rows` rows; the timeout covers the whole iteration."""
        sql = self.checked_sql(query)
        return self._batches(sql, _output_names(query), batch_rows, timeout_s, query_id)

    def _batches(
        self,
        sql: str,
        names: list[str],
        batch_rows: int,
        timeout_s: float | None,
        query_id: str | None,
    ) -> Iterator[pa.RecordBatch]:
        with self._session(query_id, timeout_s) as conn:
            frames = conn.fetch_df_batches(
                sql, size=batch_rows, fetch_decimals=self._fetch_decimals
            )
            for frame in frames:
                yield from self._named(pa.table(frame), names).to_batches()

    def explain(self, query: exp.Expression) -> Estimate:
        sql = self.checked_sql(query)
        sid = new_statement_id()
        try:
            with self._connection(self._explain_timeout_s) as conn, conn.cursor() as cur:
                cur.execute(explain_sql(sid, sql))
                cur.execute(PLAN_ROWS_SQL, {"sid": sid})
                rows = [tuple(r) for r in cur.fetchall()]
                cur.execute(PLAN_DELETE_SQL, {"sid": sid})
                conn.commit()
        except oracledb.Error as e:
            raise AdapterQueryError(str(e)) from e
        return estimate_from_plan_rows(rows)

    def cancel(self, query_id: str) -> bool:
        return self._statements.cancel(query_id)

    def close(self) -> None:
        self._statements.cancel_all()
        with suppress(oracledb.Error):  # already closed
            self._pool.close(force=True)
