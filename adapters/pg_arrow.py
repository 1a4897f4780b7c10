"""PostgreSQL rows (psycopg tuples) to Arrow record batches with proper types.

The Arrow type of each column comes from the result's type OID and, for `numeric`, its typmod
(`numeric(18,2)` becomes `decimal128(18, 2)`). A `numeric` without a typmod (a SUM, an AVG, a
division) is typed from the first batch's values: an exact `decimal128(38, s)` when the values
have at most `MAX_EXACT_SCALE` decimal places, else float64. Many places means a computed
quotient such as AVG (`1.8750000000000000`), which DuckDB returns as a DOUBLE too; few places
means money-like sums, which stay exact.

A later batch may carry more decimal places than the first. With `widen=True` (a whole result
collected in memory) the column type widens and `unify` casts the earlier batches up, so
nothing is lost. A stream cannot change its schema once a batch has gone out: such values are
rounded half-even to the first batch's scale, with a warning in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

log = logging.getLogger(__name__)

MAX_EXACT_SCALE = 9
_MAX_DECIMAL128 = 38
_MAX_DECIMAL256 = 76

# Well-known PostgreSQL type OIDs (pg_type.oid; stable across versions).
_BY_OID: dict[int, pa.DataType] = {
    16: pa.bool_(),
    17: pa.binary(),
    18: pa.string(),  # "char"
    19: pa.string(),  # name
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    26: pa.int64(),  # oid
    114: pa.string(),  # json
    700: pa.float32(),
    701: pa.float64(),
    1042: pa.string(),  # bpchar
    1043: pa.string(),  # varchar
    1082: pa.date32(),
    1083: pa.time64("us"),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1186: pa.duration("us"),
    2950: pa.string(),  # uuid
    3802: pa.string(),  # jsonb
}
_NUMERIC = 1700
_JSON_OIDS = {114, 3802}


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


def _as_json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value, default=str)


def declared_type(type_code: int, precision: int | None, scale: int | None) -> pa.DataType | None:
    """The Arrow type a column's OID and typmod fix, or None when the values must decide."""
    if type_code == _NUMERIC:
        if precision is None or scale is None or scale < 0 or precision > _MAX_DECIMAL256:
            return None
        if precision <= _MAX_DECIMAL128:
            return pa.decimal128(precision, scale)
        return pa.decimal256(precision, scale)
    return _BY_OID.get(type_code)


def numeric_type(values: Sequence[Any]) -> pa.DataType:
    """The type of an unconstrained numeric column, from its values (see the module doc)."""
    scale, digits = 0, 1
    for v in values:
        if v is None:
            continue
        if not isinstance(v, Decimal) or not v.is_finite():
            return pa.float64()
        _sign, value_digits, exponent = v.as_tuple()
        if not isinstance(exponent, int):  # finite values have an int exponent
            return pa.float64()
        scale = max(scale, -exponent)
        digits = max(digits, len(value_digits) + exponent)  # digits left of the point
    if scale > MAX_EXACT_SCALE or digits + scale > _MAX_DECIMAL128:
        return pa.float64()
    return pa.decimal128(_MAX_DECIMAL128, scale)


def _fit_decimal(scale: int) -> Callable[[Any], Any]:
    quantum = Decimal(1).scaleb(-scale)

    def fit(v: Any) -> Any:
        if not isinstance(v, Decimal):
            return v
        exponent = v.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -scale:
            return v.quantize(quantum)  # a later batch may carry more places than the first
        return v

    return fit


def _converter(oid: int, arrow_type: pa.DataType) -> Callable[[Any], Any] | None:
    """A per-value fix-up before `pa.array`, or None when the values go in as they are."""
    if oid in _JSON_OIDS:
        return _as_json_text
    if pa.types.is_string(arrow_type):
        return _as_text
    if pa.types.is_decimal(arrow_type):
        return _fit_decimal(arrow_type.scale)
    if pa.types.is_floating(arrow_type) and oid == _NUMERIC:
        return lambda v: None if v is None else float(v)
    return None


class ArrowBatches:
    """Turns row chunks of one result into record batches that share one schema."""

    def __init__(self, description: Sequence[Any], *, widen: bool = False) -> None:
        self._widen = widen
        self._names = [str(c.name) for c in description]
        self._oids = [int(c.type_code) for c in description]
        self._declared = [
            declared_type(int(c.type_code), c.precision, c.scale) for c in description
        ]
        self._types: list[pa.DataType] | None = None

    @property
    def schema(self) -> pa.Schema:
        types = self._types or [t or pa.null() for t in self._declared]
        return pa.schema([pa.field(n, t) for n, t in zip(self._names, types, strict=True)])

    def _decide(self, columns: list[Sequence[Any]]) -> list[pa.DataType]:
        types = []
        for oid, declared, values in zip(self._oids, self._declared, columns, strict=True):
            if declared is not None:
                types.append(declared)
            elif oid == _NUMERIC:
                types.append(numeric_type(values))
            else:
                types.append(_inferred(values))
        return types

    def batch(self, rows: Sequence[Sequence[Any]]) -> pa.RecordBatch:
        columns: list[Sequence[Any]] = (
            [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in self._names]
        )
        if self._types is None:
            self._types = self._decide(columns)
        else:
            self._check_scales(columns)
        arrays = [
            _array(oid, values, arrow_type)
            for oid, values, arrow_type in zip(self._oids, columns, self._types, strict=True)
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _check_scales(self, columns: list[Sequence[Any]]) -> None:
        """Widen (or warn about) unconstrained numerics that need more places than so far."""
        assert self._types is not None
        for i, (declared, values) in enumerate(zip(self._declared, columns, strict=True)):
            current = self._types[i]
            if (
                declared is not None
                or self._oids[i] != _NUMERIC
                or not pa.types.is_decimal(current)
            ):
                continue
            needed = numeric_type(values)
            if not pa.types.is_decimal(needed) or needed.scale > current.scale:
                if self._widen:
                    self._types[i] = _wider(current, needed)
                else:
                    log.warning("column %r: rounding values to %s", self._names[i], current)

    def unify(self, batches: Sequence[pa.RecordBatch]) -> pa.Table:
        """One table of `batches` in the final (possibly widened) schema."""
        schema = self.schema
        return pa.Table.from_batches(
            [b if b.schema == schema else b.cast(schema) for b in batches], schema=schema
        )


def _wider(current: pa.DataType, needed: pa.DataType) -> pa.DataType:
    if not pa.types.is_decimal(needed):
        return pa.float64()
    return pa.decimal128(_MAX_DECIMAL128, max(current.scale, needed.scale))


def _inferred(values: Sequence[Any]) -> pa.DataType:
    """A type Arrow infers for values of a type we do not map (arrays, ranges...)."""
    try:
        inferred = pa.array(values).type
    except (pa.ArrowException, TypeError, ValueError):
        return pa.string()
    return pa.string() if pa.types.is_null(inferred) else inferred


def _array(oid: int, values: Sequence[Any], arrow_type: pa.DataType) -> pa.Array:
    convert = _converter(oid, arrow_type)
    if convert is not None:
        values = [convert(v) for v in values]
    try:
        return pa.array(values, type=arrow_type)
    except (TypeError, ValueError) as e:  # e.g. an unmapped type whose later values differ
        raise pa.ArrowInvalid(f"cannot convert a result column to {arrow_type}: {e}") from e
