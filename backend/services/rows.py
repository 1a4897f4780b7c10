"""Arrow results to JSON-ready rows and SQL-style type names.

Decimals stay exact: when every value of a decimal column in the page has at most 15
significant digits, they go out as JSON numbers (a double holds those exactly and prints them
back digit for digit); otherwise the whole column goes out as strings holding the exact
values, so a client sees one type per column.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pyarrow as pa

_FLOAT_EXACT_DIGITS = 15


def sql_type(t: pa.DataType) -> str:
    """A DuckDB-style type name for an Arrow type (what `columns[].type` reports)."""
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    simple = {
        pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.uint8(): "UTINYINT",
        pa.uint16(): "USMALLINT",
        pa.uint32(): "UINTEGER",
        pa.uint64(): "UBIGINT",
        pa.float32(): "FLOAT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
        pa.date64(): "DATE",
    }
    if t in simple:
        return simple[t]
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE" if t.tz else "TIMESTAMP"
    if pa.types.is_time(t):
        return "TIME"
    return str(t).upper()


def _json_value(v: Any, decimals_as_str: bool) -> Any:
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, Decimal):
        return str(v) if decimals_as_str else float(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return str(v)


def _column_values(col: pa.ChunkedArray) -> list[Any]:
    t = col.type
    values: list[Any] = col.to_pylist()
    if pa.types.is_string(t) or pa.types.is_integer(t) or pa.types.is_boolean(t):
        return values  # already JSON-ready; skip the per-value walk on the hot path
    wide = (
        pa.types.is_decimal(t)
        and t.precision > _FLOAT_EXACT_DIGITS
        and any(v is not None and len(v.as_tuple().digits) > _FLOAT_EXACT_DIGITS for v in values)
    )
    return [_json_value(v, wide) for v in values]


def table_rows(table: pa.Table) -> list[list[Any]]:
    """Row-major JSON-ready values of an Arrow table."""
    columns = [_column_values(c) for c in table.columns]
    return [list(r) for r in zip(*columns, strict=True)] if columns else []
