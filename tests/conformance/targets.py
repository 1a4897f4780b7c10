"""A database under test: its adapter and a catalog over it, and how a spec runs there."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlglot import exp

from adapters.base import DatabaseAdapter
from backend.catalog.catalog import Catalog
from backend.query.compiler import compile_query
from backend.query.context import CompileContext, CompiledQuery
from backend.query.spec import QuerySpec

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Target:
    adapter: DatabaseAdapter
    catalog: Catalog

    def compile(
        self, spec: Mapping[str, Any], rls: Mapping[str, Sequence[exp.Expr]]
    ) -> CompiledQuery:
        ctx = CompileContext(dataset=self.catalog.get, dialect=self.adapter.dialect, rls=rls)
        return compile_query(QuerySpec.model_validate(spec), ctx)

    def run(self, query: exp.Select) -> pa.Table:
        return self.adapter.run(query, timeout_s=30)

    def rows(self, query: exp.Select) -> list[Row]:
        return rows_of(self.run(query))


def family(t: pa.DataType) -> str:
    """What a client sees of a column type: numbers are numbers (exact or not), but a date,
    a timestamp and a timestamp with time zone are different things."""
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_floating(t):
        return "number"
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "text"
    return str(t)


def rows_of(table: pa.Table) -> list[Row]:
    return [tuple(r.values()) for r in table.to_pylist()]


def normalized(value: Any) -> Any:
    """One representation per value across databases: numbers as float (PostgreSQL's SUM of
    integers is numeric, DuckDB's HUGEINT), aware timestamps as naive UTC, dates as dates."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal | float):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    return value


def same_value(a: Any, b: Any) -> bool:
    a, b = normalized(a), normalized(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def differences(expected: list[Row], got: list[Row], limit: int = 5) -> list[str]:
    """Human-readable differences, row by row in order; [] when the rows are the same."""
    found = []
    if len(expected) != len(got):
        found.append(f"{len(expected)} rows expected, {len(got)} returned")
    for i, (want, have) in enumerate(zip(expected, got, strict=False)):
        if len(want) != len(have) or not all(map(same_value, want, have)):
            found.append(f"row {i}: expected {want!r}, got {have!r}")
        if len(found) >= limit:
            break
    return found
