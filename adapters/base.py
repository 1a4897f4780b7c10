"""The protocol every database adapter implements.

The backend hands adapters sqlglot expressions, never SQL text; the adapter renders them in its
own dialect, runs them on a locked-down connection and returns Arrow data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import pyarrow as pa
from sqlglot import exp


@dataclass(frozen=True)
class ColumnInfo:
    """A column of a relation: its name and its type as the database spells it."""

    name: str
    type: str


@dataclass(frozen=True)
class Estimate:
    """What the planner expects a statement to cost. `rows` is the root's cardinality;
    `max_rows` the largest intermediate result the plan shows; `cost` is None where the
    database has no cost figure (DuckDB)."""

    rows: int | None
    cost: float | None = None
    max_rows: int | None = None
    plan: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class ColumnStats:
    """Cheap statistics of one column, for estimating filter and join sizes.
    `distinct` is approximate (HyperLogLog on DuckDB)."""

    rows: int
    distinct: int | None = None
    min_value: Any = None
    max_value: Any = None


CancelReason = Literal["timeout", "cancelled"]


class QueryCancelledError(Exception):
    """The statement was interrupted: by `cancel()` or because its timeout passed.
    `reason` says which: "timeout" or "cancelled" (the default)."""

    def __init__(
        self, message: str = "The query was cancelled.", *, reason: CancelReason = "cancelled"
    ) -> None:
        super().__init__(message)
        self.reason: CancelReason = reason


class UnsafeStatementError(Exception):
    """The adapter refuses anything that is not exactly one SELECT."""


class AdapterQueryError(Exception):
    """The database rejected a statement. Carries the database's own message."""


@runtime_checkable
class DatabaseAdapter(Protocol):
    """A narrow, synchronous interface; callers run it in a worker pool."""

    name: str
    dialect: str

    def render(self, query: exp.Expression) -> str:
        """The SQL text this adapter would send for `query`."""
        ...

    def run(
        self, query: exp.Expression, *, timeout_s: float | None = None, query_id: str | None = None
    ) -> pa.Table:
        """Run one SELECT and return all its rows."""
        ...

    def stream(
        self,
        query: exp.Expression,
        *,
        batch_rows: int = 65_536,
        timeout_s: float | None = None,
        query_id: str | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Run one SELECT and yield its rows in Arrow batches, never all in memory."""
        ...

    def explain(self, query: exp.Expression) -> Estimate:
        """The planner's estimate for a SELECT, without running it."""
        ...

    def relations(self) -> list[str]:
        """The tables and views this adapter can query, by name."""
        ...

    def describe(self, relation: str) -> list[ColumnInfo]:
        """The columns of one relation."""
        ...

    def cancel(self, query_id: str) -> bool:
        """Interrupt the running statement started with `query_id`; False when none runs."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class SupportsColumnStats(Protocol):
    """Adapters that can give per-column statistics to the cost gate."""

    def column_stats(self, relation: str, columns: Sequence[str]) -> dict[str, ColumnStats]:
        """Row count, approximate distinct count, min and max of each column."""
        ...
