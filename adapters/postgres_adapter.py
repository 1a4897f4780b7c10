"""PostgreSQL through a psycopg 3 connection pool; the datasets are one schema's tables and views.

Every pooled session has `search_path` set to that schema alone (pg_catalog stays implicitly
first, so built-in functions cannot be shadowed), `TimeZone` UTC and read-only transactions.
A statement runs in its own READ ONLY transaction with `statement_timeout` set LOCAL to it, so
nothing it calls can write and a runaway statement is stopped by the server even if this
process dies. `cancel(query_id)` sends a cancel request for the connection running it.

Like the DuckDB adapter, it refuses anything but one SELECT on the sqlglot tree and on the
rendered text re-parsed by sqlglot; the last word goes to PostgreSQL: statements are sent with
the extended protocol (binary results), which refuses more than one command per call.

The SQL text comes from `renderer` when one is given (the backend passes its dialect-aware
`render`); the fallback is sqlglot's postgres output with every identifier quoted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import pyarrow as pa
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool, PoolTimeout
from sqlglot import exp

from adapters.base import (
    AdapterQueryError,
    ColumnInfo,
    ColumnStats,
    Estimate,
    QueryCancelledError,
)
from adapters.guard import ensure_select, ensure_select_sql
from adapters.pg_arrow import ArrowBatches
from adapters.statements import RunningStatement, StatementRegistry

Renderer = Callable[[exp.Expression], str]

_QUERY_ERRORS = (psycopg.Error, pa.ArrowException, PoolTimeout)
_FETCH_ROWS = 10_000

_RELATIONS_SQL = """
SELECT c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
ORDER BY c.relname"""

_DESCRIBE_SQL = """
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum"""

_ROWS_SQL = """
SELECT c.reltuples FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s"""

_INDEXES_SQL = """
SELECT array_agg(a.attname ORDER BY k.ord)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE n.nspname = %s AND c.relname = %s
GROUP BY i.indexrelid
ORDER BY 1"""

_DISTINCT_SQL = """
SELECT attname, n_distinct FROM pg_catalog.pg_stats
WHERE schemaname = %s AND tablename = %s AND attname = ANY(%s)"""


def default_render(query: exp.Expression) -> str:
    return query.sql(dialect="postgres", identify=True)


def plan_estimate(explained: Any) -> Estimate:
    """Rows and cost of the root of an `EXPLAIN (FORMAT JSON)` result, and the largest row
    estimate of any node (a LIMIT on top of a big join must not hide the join)."""
    root = explained[0]["Plan"] if isinstance(explained, list) else explained["Plan"]
    largest, stack = 0.0, [root]
    while stack:
        node = stack.pop()
        largest = max(largest, float(node.get("Plan Rows", 0)))
        stack.extend(node.get("Plans") or [])
    return Estimate(
        rows=int(root["Plan Rows"]),
        cost=float(root["Total Cost"]),
        max_rows=int(largest),
        plan=explained,
    )


def _timeout_ms(timeout_s: float | None) -> str:
    # 0 means no limit in PostgreSQL; a positive timeout never rounds down to it.
    return "0" if timeout_s is None else str(max(1, round(timeout_s * 1000)))


class PostgresAdapter:
    """See the module docstring."""

    name = "postgres"
    dialect = "postgres"

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str = "public",
        min_size: int = 1,
        max_size: int = 6,
        renderer: Renderer | None = None,
        explain_timeout_s: float = 10.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.schema = schema
        self._render = renderer or default_render
        self._explain_timeout_s = explain_timeout_s
        self._statements = StatementRegistry()
        self._pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"application_name": "aurora", "prepare_threshold": None},
            configure=self._configure,
            open=False,
            name="aurora-postgres",
            timeout=30.0,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout_s)
        except PoolTimeout as e:
            self._pool.close()
            raise AdapterQueryError(
                f"Could not connect to PostgreSQL within {connect_timeout_s:g} s."
            ) from e

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        search_path = pgsql.Identifier(self.schema).as_string(conn)
        conn.execute(
            "SELECT set_config('search_path', %s, false), set_config('TimeZone', 'UTC', false)",
            [search_path],
        )
        conn.commit()
        conn.read_only = True

    # --- datasets -------------------------------------------------------------------------

    def _catalog_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """A query of ours over the system catalogs (never user input in the text)."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT set_config('statement_timeout', %s, true)", ["30000"])
                return conn.execute(sql, params).fetchall()
        except (psycopg.Error, PoolTimeout) as e:
            raise AdapterQueryError(str(e)) from e

    def relations(self) -> list[str]:
        return [str(r[0]) for r in self._catalog_rows(_RELATIONS_SQL, [self.schema])]

    def describe(self, relation: str) -> list[ColumnInfo]:
        rows = self._catalog_rows(_DESCRIBE_SQL, [self.schema, relation])
        if not rows:
            raise AdapterQueryError(f"Relation {relation!r} does not exist in {self.schema!r}.")
        return [ColumnInfo(name=str(name), type=str(kind)) for name, kind in rows]

    def index_columns(self, relation: str) -> list[tuple[str, ...]]:
        """The columns of each index on `relation`, in index order (expression parts left
        out), for indexing advice: a join or filter column should lead an index."""
        rows = self._catalog_rows(_INDEXES_SQL, [self.schema, relation])
        return [tuple(str(c) for c in columns) for (columns,) in rows]

    def column_stats(self, relation: str, columns: Sequence[str]) -> dict[str, ColumnStats]:
        """Rows and distinct counts from the planner's statistics (after ANALYZE); min and max
        from one aggregate query (an index answers it when there is one)."""
        found = self._catalog_rows(_ROWS_SQL, [self.schema, relation])
        if not found:
            raise AdapterQueryError(f"Relation {relation!r} does not exist in {self.schema!r}.")
        rows = int(found[0][0])
        limits = self._min_max(relation, columns)
        if rows < 0:  # never analyzed: count once
            rows = int(limits.pop("__n__"))
        limits.pop("__n__", None)
        distinct = {
            str(name): _distinct(float(nd), rows)
            for name, nd in self._catalog_rows(_DISTINCT_SQL, [self.schema, relation, columns])
        }
        return {
            name: ColumnStats(
                rows=rows,
                distinct=distinct.get(name),
                min_value=limits.get(f"lo{i}"),
                max_value=limits.get(f"hi{i}"),
            )
            for i, name in enumerate(columns)
        }

    def _min_max(self, relation: str, columns: Sequence[str]) -> dict[str, Any]:
        select = exp.select(exp.Count(this=exp.Star()).as_("__n__", quoted=True))
        for i, name in enumerate(columns):
            col = exp.column(exp.to_identifier(name, quoted=True))
            select = select.select(
                exp.Min(this=col).as_(f"lo{i}", quoted=True),
                exp.Max(this=col.copy()).as_(f"hi{i}", quoted=True),
                copy=False,
            )
        table = exp.Table(this=exp.to_identifier(relation, quoted=True))
        result = self.run(select.from_(table), timeout_s=self._explain_timeout_s)
        return dict(result.to_pylist()[0])

    # --- queries --------------------------------------------------------------------------

    def render(self, query: exp.Expression) -> str:
        return self._render(query)

    def _checked_sql(self, query: exp.Expression) -> str:
        ensure_select(query)
        sql = self.render(query)
        ensure_select_sql(sql, "postgres")
        return sql

    @staticmethod
    def _set_timeout(conn: psycopg.Connection[Any], timeout_s: float | None) -> None:
        conn.execute("SELECT set_config('statement_timeout', %s, true)", [_timeout_ms(timeout_s)])

    @staticmethod
    def _failure(
        error: BaseException, statement: RunningStatement, timeout_s: float | None
    ) -> Exception:
        if isinstance(error, PoolTimeout):
            return AdapterQueryError("No PostgreSQL connection became free in time.")
        if statement.reason == "timeout" or (
            statement.reason is None
            and isinstance(error, psycopg.errors.QueryCanceled)
            and "statement timeout" in str(error)
        ):
            limit = "its time limit" if timeout_s is None else f"{timeout_s:g} s"
            return QueryCancelledError(
                f"The query ran longer than {limit} and was stopped.", reason="timeout"
            )
        if statement.reason == "cancelled" or isinstance(error, psycopg.errors.QueryCanceled):
            return QueryCancelledError("The query was cancelled.", reason="cancelled")
        return AdapterQueryError(str(error))

    @contextmanager
    def _session(
        self, query_id: str | None, timeout_s: float | None
    ) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in a READ ONLY transaction whose statements are registered
        under `query_id` and bounded by `timeout_s`; database errors come out as ours."""
        statement: RunningStatement | None = None
        try:
            with (
                self._pool.connection() as conn,
                conn.transaction(),
                self._statements.track(query_id, conn.cancel_safe, timeout_s) as statement,
            ):
                self._set_timeout(conn, timeout_s)
                yield conn
        except _QUERY_ERRORS as e:
            raise self._failure(e, statement or _NOT_STARTED, timeout_s) from e

    def run(
        self, query: exp.Expression, *, timeout_s: float | None = None, query_id: str | None = None
    ) -> pa.Table:
        sql = self._checked_sql(query)
        with self._session(query_id, timeout_s) as conn, conn.cursor() as cur:
            cur.execute(sql, binary=True)
            return _table(cur, _FETCH_ROWS)

    def stream(
        self,
        query: exp.Expression,
        *,
        batch_rows: int = 65_536,
        timeout_s: float | None = None,
        query_id: str | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most `batch_rows` rows from a server-side cursor. The timeout counts
        from the first batch requested and covers the whole iteration (each FETCH is also
        bounded by `statement_timeout`)."""
        sql = self._checked_sql(query)
        return self._batches(sql, batch_rows, timeout_s, query_id)

    def _batches(
        self, sql: str, batch_rows: int, timeout_s: float | None, query_id: str | None
    ) -> Iterator[pa.RecordBatch]:
        with (
            self._session(query_id, timeout_s) as conn,
            conn.cursor(name=f"aurora_{uuid.uuid4().hex}") as cur,
        ):
            cur.execute(sql, binary=True)
            batches = ArrowBatches(cur.description or [])
            while rows := cur.fetchmany(batch_rows):
                yield batches.batch(rows)

    def explain(self, query: exp.Expression) -> Estimate:
        sql = self._checked_sql(query)
        try:
            with self._pool.connection() as conn, conn.transaction():
                self._set_timeout(conn, self._explain_timeout_s)
                row = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", binary=True).fetchone()
        except (psycopg.Error, PoolTimeout) as e:
            raise AdapterQueryError(str(e)) from e
        if row is None:
            raise AdapterQueryError("EXPLAIN returned no plan.")
        return plan_estimate(row[0])

    def cancel(self, query_id: str) -> bool:
        return self._statements.cancel(query_id)

    def close(self) -> None:
        self._statements.cancel_all()
        self._pool.close()


_NOT_STARTED = RunningStatement("", lambda: None)


def _distinct(n_distinct: float, rows: int) -> int:
    # pg_stats: a positive value is a count, a negative one a fraction of the rows.
    return int(n_distinct) if n_distinct >= 0 else round(-n_distinct * rows)


def _table(cur: psycopg.Cursor[Any], fetch_rows: int) -> pa.Table:
    batches = ArrowBatches(cur.description or [], widen=True)
    chunks = []
    while rows := cur.fetchmany(fetch_rows):
        chunks.append(batches.batch(rows))
    if not chunks:
        chunks.append(batches.batch([]))
    return batches.unify(chunks)
