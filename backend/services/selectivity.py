"""The fraction of a dataset's rows a filter keeps, from column statistics.

The textbook rules, because DuckDB's EXPLAIN guesses 20% for any equality, even on a unique
key (see the engineering notes, section 2):

- `col = v`: 1 / ndv(col); `col != v`: the rest. `col IN (a, b, ...)`: list length / ndv.
- `col < v`, `>`, `<=`, `>=`, `BETWEEN`: the share of [min, max] the range covers, for
  numbers, dates and timestamps; text ranges get the default.
- AND multiplies, OR adds up as independent events, NOT takes the rest.
- Anything else (LIKE, IS NULL, calculated expressions): 1/3.

Load columns are correlated (a load id belongs to one load type), so when a conjunction pins
the load id, an equality on the load type adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlglot import exp

from adapters.base import ColumnStats

DEFAULT = 1 / 3


@dataclass(frozen=True)
class FilterContext:
    """What a filter is judged against: the relation's column statistics, and the load
    columns whose equality is implied by an equality on `load_id` (see module docstring)."""

    columns: Mapping[str, ColumnStats]
    load_id: str | None = None
    load_type: str | None = None


def selectivity(predicate: exp.Expr, ctx: FilterContext) -> float:
    """The share of rows `predicate` (over unqualified columns) keeps, in [0, 1].

    >>> stats = {"k": ColumnStats(rows=100, distinct=50, min_value=0, max_value=200)}
    >>> where = exp.column("k").eq(exp.Literal.number(3))
    >>> selectivity(where, FilterContext(stats))
    0.02
    >>> selectivity(exp.column("k") > exp.Literal.number(150), FilterContext(stats))
    0.25
    """
    if isinstance(predicate, exp.Paren):
        return selectivity(predicate.this, ctx)
    if isinstance(predicate, exp.And):
        return _conjunction(list(predicate.flatten()), ctx)
    if isinstance(predicate, exp.Or):
        kept = 1.0
        for part in predicate.flatten():
            kept *= 1 - selectivity(part, ctx)
        return 1 - kept
    if isinstance(predicate, exp.Not):
        return 1 - selectivity(predicate.this, ctx)
    if isinstance(predicate, exp.Boolean):
        return 1.0 if predicate.this else 0.0
    return _clip(_atom(predicate, ctx))


def _conjunction(parts: list[exp.Expr], ctx: FilterContext) -> float:
    pinned = {name for part in parts if (name := _equality_column(part)) is not None}
    kept = 1.0
    for part in parts:
        implied = ctx.load_id in pinned and _equality_column(part) == ctx.load_type
        if ctx.load_type is not None and implied:
            continue
        kept *= selectivity(part, ctx)
    return kept


def _equality_column(predicate: exp.Expr) -> str | None:
    found = _column_and_value(predicate) if isinstance(predicate, exp.EQ) else None
    return found[0] if found else None


def _atom(predicate: exp.Expr, ctx: FilterContext) -> float:
    if isinstance(predicate, exp.In) and isinstance(predicate.this, exp.Column):
        stats = ctx.columns.get(predicate.this.name)
        return min(1.0, len(predicate.expressions) * _equal_share(stats))
    if isinstance(predicate, exp.Between) and isinstance(predicate.this, exp.Column):
        stats = ctx.columns.get(predicate.this.name)
        low, high = _position(predicate.args["low"]), _position(predicate.args["high"])
        return DEFAULT if low is None or high is None else _range_share(stats, low, high)
    found = _column_and_value(predicate)
    if found is None:
        return DEFAULT
    name, value, flipped = found
    stats = ctx.columns.get(name)
    if isinstance(predicate, exp.EQ):
        return _equal_share(stats)
    if isinstance(predicate, exp.NEQ):
        return 1 - _equal_share(stats)
    return _comparison_share(predicate, stats, _position(value), flipped)


def _column_and_value(predicate: exp.Expr) -> tuple[str, exp.Expr, bool] | None:
    """(column, value, whether the value is on the left) of `col <op> value`."""
    if not isinstance(predicate, exp.Binary):
        return None
    left, right = predicate.this, predicate.expression
    if isinstance(left, exp.Column) and _is_value(right):
        return left.name, right, False
    if isinstance(right, exp.Column) and _is_value(left):
        return right.name, left, True
    return None


def _is_value(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal | exp.Boolean | exp.DateStrToDate | exp.TimeStrToTime)


def _equal_share(stats: ColumnStats | None) -> float:
    if stats is None or not stats.distinct:
        return DEFAULT
    return 1 / max(1, min(stats.distinct, stats.rows or stats.distinct))


_UPPER = (exp.GT, exp.GTE)  # col > v keeps the top of the range
_LOWER = (exp.LT, exp.LTE)


def _comparison_share(
    predicate: exp.Expr, stats: ColumnStats | None, value: float | None, flipped: bool
) -> float:
    if value is None or not isinstance(predicate, _UPPER + _LOWER):
        return DEFAULT
    keeps_top = isinstance(predicate, _UPPER) != flipped
    return _range_share(stats, value, None) if keeps_top else _range_share(stats, None, value)


def _range_share(stats: ColumnStats | None, low: float | None, high: float | None) -> float:
    """Share of [min, max] inside [low, high] (None: open), assuming an even spread."""
    if stats is None:
        return DEFAULT
    lo, hi = _position_of(stats.min_value), _position_of(stats.max_value)
    if lo is None or hi is None:
        return DEFAULT
    start = lo if low is None else max(lo, low)
    stop = hi if high is None else min(hi, high)
    if stop < start:
        return 0.0
    if hi == lo or stop == start:
        return _equal_share(stats)
    return max((stop - start) / (hi - lo), _equal_share(stats))


def _position(node: exp.Expr | None) -> float | None:
    """A literal (number, date, timestamp) as a number on the column's axis."""
    if isinstance(node, exp.DateStrToDate | exp.TimeStrToTime) and isinstance(
        node.this, exp.Literal
    ):
        text = node.this.this
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return _position_of(parsed.date() if isinstance(node, exp.DateStrToDate) else parsed)
    if isinstance(node, exp.Literal) and not node.is_string:
        return _position_of(node.this)
    return None


def _position_of(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, dt.datetime):
        midnight = value.replace(hour=0, minute=0, second=0, microsecond=0)
        return value.toordinal() + (value - midnight).total_seconds() / 86_400
    if isinstance(value, dt.date):
        return float(value.toordinal())
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Decimal(value))
        except InvalidOperation:
            return None
    return None


def _clip(share: float) -> float:
    return min(1.0, max(0.0, share))
