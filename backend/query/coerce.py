"""Turn a JSON value into a typed sqlglot literal for a column of a given type.

A value that cannot be that type (a bad date, a word where a number goes) is the caller's
mistake, so it is `InvalidQuery` naming the path, never a database error later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from sqlglot import exp

from backend.catalog.models import Kind, type_kind
from backend.errors import InvalidQuery
from backend.query.spec import Scalar

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?$")
T = TypeVar("T")
_MAX_EXPONENT = 38  # beyond this no column type of ours can hold the number anyway
_KIND_WORDS: dict[Kind, str] = {
    "integer": "number",
    "decimal": "number",
    "float": "number",
    "date": "date (YYYY-MM-DD)",
    "timestamp": "timestamp (YYYY-MM-DD HH:MM:SS)",
    "boolean": "true/false value",
    "text": "text value",
    "other": "value",
}


class _Bad(ValueError):
    """The value does not fit the type; `coerce` turns it into InvalidQuery."""


def coerce(value: Scalar, sql_type: str, *, column: str, path: str) -> exp.Expr:
    """A literal of `value` typed for a column of `sql_type`.

    >>> coerce("2024-01-31", "DATE", column="d", path="p").sql("oracle")
    "TO_DATE('2024-01-31', 'YYYY-MM-DD')"
    >>> coerce("12.50", "DECIMAL(18,2)", column="n", path="p").sql()
    '12.50'
    >>> coerce("O'Brien", "VARCHAR", column="s", path="p").sql()
    "'O''Brien'"
    """
    kind = type_kind(sql_type)
    if value is None:
        raise InvalidQuery(f"{path} needs a value for column {column}", path=path)
    try:
        return _COERCERS[kind](value)
    except _Bad as e:
        reason = f" ({e})" if str(e) else ""
        raise InvalidQuery(
            f"{_show(value)} is not a valid {_KIND_WORDS[kind]} for column {column}{reason}",
            path=path,
        ) from e


def number_text(value: Scalar) -> str:
    """The exact decimal text of a number given as int, float, Decimal or string.

    >>> number_text(0.1), number_text("1e3"), number_text(" -7 ")
    ('0.1', '1000', '-7')
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _Bad()
    try:
        # str() of a float is its shortest exact repr, so 0.1 stays 0.1, not 0.1000000000000000055.
        number = Decimal(str(value).strip())
    except InvalidOperation as e:
        raise _Bad() from e
    if not number.is_finite() or abs(number.adjusted()) > _MAX_EXPONENT:
        raise _Bad("out of range")
    return format(number, "f")


def _number(value: Scalar) -> exp.Expr:
    return exp.Literal.number(number_text(value))


def _text(value: Scalar) -> exp.Expr:
    if isinstance(value, bool):
        raise _Bad()
    if isinstance(value, dt.date):
        return exp.Literal.string(value.isoformat())
    return exp.Literal.string(value if isinstance(value, str) else str(value))


def _date(value: Scalar) -> exp.Expr:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise _Bad("a date has no time of day")
        value = value.date()
    if isinstance(value, str) and _DATE.match(value.strip()):
        value = _parse(dt.date.fromisoformat, value.strip())
    if not isinstance(value, dt.date):
        raise _Bad()
    return exp.DateStrToDate(this=exp.Literal.string(value.isoformat()))


def _timestamp(value: Scalar) -> exp.Expr:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise _Bad("give the time without a time zone")
        text = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = f"{value.isoformat()} 00:00:00"
    elif isinstance(value, str) and (match := _TIMESTAMP.match(value.strip())):
        day, time = match.group(1), match.group(2) or "00:00:00"
        # Re-printed from the parsed value: six fraction digits or none, as Oracle's FF6 wants.
        text = _parse(dt.datetime.fromisoformat, f"{day} {time}").isoformat(sep=" ")
    else:
        raise _Bad()
    # Rendered as CAST on duckdb/postgres and TO_TIMESTAMP on oracle (see `render`).
    return exp.TimeStrToTime(this=exp.Literal.string(text))


def _boolean(value: Scalar) -> exp.Expr:
    truth = {"true": True, "false": False, "1": True, "0": False}
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | str) and str(value).strip().lower() in truth:
        return exp.Boolean(this=truth[str(value).strip().lower()])
    raise _Bad()


def _other(value: Scalar) -> exp.Expr:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _number(value)
    return _text(value)


def _parse(parser: Callable[[str], T], text: str) -> T:
    try:
        return parser(text)
    except ValueError as e:
        raise _Bad() from e


def _show(value: Scalar) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


_COERCERS: dict[Kind, Callable[[Scalar], exp.Expr]] = {
    "integer": _number,
    "decimal": _number,
    "float": _number,
    "text": _text,
    "date": _date,
    "timestamp": _timestamp,
    "boolean": _boolean,
    "other": _other,
}
