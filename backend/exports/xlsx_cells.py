"""Arrow columns turned into the Python values xlsxwriter writes, converted vectorised.

Dates and timestamps become Excel serial numbers here (days since 1899-12-30, with Excel's
fictional 1900-02-29 accounted for), so the per-cell loop only calls `write_number`. Values
Excel cannot hold faithfully are written as text instead: dates before 1900-01-01 (as ISO)
and integers beyond 2**53, which a double would round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from backend.exports.csv_writer import FORMULA_START, as_text

CellKind = Literal["number", "bool", "text", "risky_text", "mixed"]

UNIX_EPOCH_SERIAL = 25_569  # 1970-01-01 in Excel's 1900 date system
FIRST_TRUE_DAY = -25_508  # 1900-03-01 as days since 1970; Excel inserts 1900-02-29 before it
US_PER_DAY = 86_400_000_000
MAX_EXACT_INT = 2**53


@dataclass(frozen=True)
class Cells:
    """One column of one chunk: how to write it and its values (None = leave the cell empty)."""

    kind: CellKind
    values: list[Any]


def _serials(days: pa.Array, after_fake_leap_day: pa.Array) -> pa.Array:
    base = pc.add(days, UNIX_EPOCH_SERIAL)
    return pc.if_else(after_fake_leap_day, base, pc.subtract(base, 1))


def date_serials(values: pa.Array) -> pa.Array:
    days = pc.cast(pc.cast(values, pa.date32()), pa.int32()).cast(pa.int64())
    return _serials(days, pc.greater_equal(days, FIRST_TRUE_DAY))


def timestamp_serials(values: pa.Array) -> pa.Array:
    if values.type.tz is not None:  # Excel has no zones: show the zone's wall-clock time
        values = pc.local_timestamp(values)
    micros = pc.cast(pc.cast(values, pa.timestamp("us"), safe=False), pa.int64())
    days = pc.divide(pc.cast(micros, pa.float64()), float(US_PER_DAY))
    return _serials(days, pc.greater_equal(micros, FIRST_TRUE_DAY * US_PER_DAY))


def time_fractions(values: pa.Array) -> pa.Array:
    micros = pc.cast(pc.cast(values, pa.time64("us"), safe=False), pa.int64())
    return pc.divide(pc.cast(micros, pa.float64()), float(US_PER_DAY))


def _numbers(numbers: pa.Array, as_text_where: pa.Array, original: pa.Array) -> Cells:
    """Numbers, except where `as_text_where` holds: there the original value as text."""
    if not pc.any(as_text_where).as_py():
        return Cells("number", numbers.to_pylist())
    text = as_text(original).to_pylist()
    flags = pc.fill_null(as_text_where, False).to_pylist()
    values = numbers.to_pylist()
    mixed = [t if flag else n for n, t, flag in zip(values, text, flags, strict=True)]
    return Cells("mixed", mixed)


def _dated(serials: pa.Array, original: pa.Array) -> Cells:
    return _numbers(serials, pc.less(serials, 1), original)


def _integers(values: pa.Array) -> Cells:
    # A double holds integers exactly only up to 2**53; bigger ones (ids) stay exact as text.
    low, high = pc.min_max(values).values()
    if (
        values.type.bit_width < 64
        or -MAX_EXACT_INT <= (low.as_py() or 0) <= (high.as_py() or 0) <= MAX_EXACT_INT
    ):
        return Cells("number", values.to_pylist())
    too_big = pc.greater(pc.abs_checked(pc.cast(values, pa.decimal128(20, 0))), MAX_EXACT_INT)
    return _numbers(values, too_big, values)


def _text(values: pa.Array) -> Cells:
    risky = pc.any(pc.match_substring_regex(values, FORMULA_START)).as_py()
    return Cells("risky_text" if risky else "text", values.to_pylist())


def to_cells(values: pa.Array) -> Cells:
    kind = values.type
    if pa.types.is_dictionary(kind):
        return to_cells(values.dictionary_decode())
    if pa.types.is_integer(kind):
        return _integers(values)
    if pa.types.is_floating(kind):
        return Cells("number", values.to_pylist())
    if pa.types.is_decimal(kind):  # Excel's only number type is a double
        return Cells("number", pc.cast(values, pa.float64()).to_pylist())
    if pa.types.is_boolean(kind):
        return Cells("bool", values.to_pylist())
    if pa.types.is_date(kind):
        return _dated(date_serials(values), values)
    if pa.types.is_timestamp(kind):
        return _dated(timestamp_serials(values), values)
    if pa.types.is_time(kind):
        return Cells("number", time_fractions(values).to_pylist())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text(values)
    return _text(as_text(values))
