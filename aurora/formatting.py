"""How values look in the grid: numbers for people, readable dates, nulls kept as None.

Pure functions over one page of values (at most the page size), so the state never keeps
more than the strings it shows.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from aurora import buckets

_KINDS: tuple[tuple[str, str], ...] = (
    # A fixed-point type without a fraction is a whole number: DuckDB's SUM of an INTEGER
    # column is DECIMAL(38,0), Oracle's integers are NUMBER(p[,0]).
    (r"^(DECIMAL|NUMERIC|NUMBER)\s*\(\s*\d+\s*(,\s*0\s*)?\)$", "integer"),
    (r"^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|U\w*INT|INT\d|SERIAL|BIGSERIAL)\b", "integer"),
    (r"^(DECIMAL|NUMERIC|NUMBER)\b", "decimal"),
    (r"^(DOUBLE|FLOAT|REAL|FLOAT4|FLOAT8|BINARY_DOUBLE|BINARY_FLOAT)\b", "float"),
    (r"^(VARCHAR|CHAR|TEXT|STRING|BPCHAR|CHARACTER|VARCHAR2|NVARCHAR2|CLOB|UUID)\b", "text"),
    (r"^DATE$", "date"),
    (r"^(TIMESTAMP|DATETIME)", "timestamp"),
    (r"^(BOOLEAN|BOOL)$", "boolean"),
)
EN_DASH = "\u2013"
NUMERIC_KINDS = frozenset({"integer", "decimal", "float"})
TEMPORAL_KINDS = frozenset({"date", "timestamp"})


def kind_of(sql_type: str) -> str:
    """The family of a database type, e.g. `DECIMAL(18,2)` -> `decimal`."""
    upper = (sql_type or "").strip().upper()
    for pattern, kind in _KINDS:
        if re.match(pattern, upper):
            return kind
    return "other"


def is_identifier(name: str) -> bool:
    """Keys and load ids read better without thousands separators."""
    lower = name.lower()
    return lower == "id" or lower.endswith("_id") or lower.endswith("_key")


_PATTERN = re.compile(r"[#,]*0(?:\.(0+))?(%?)")
_PARAMETRIC = re.compile(r"(decimal|percent):(\d{1,2})")
# The admin's `currency:<ISO code>` formats; a code without a symbol here shows as itself.
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "\u20ac",
    "GBP": "\u00a3",
    "JPY": "\u00a5",
    "CNY": "CN\u00a5",
}


def currency_prefix(fmt: str | None) -> str:
    """`currency:USD` -> `$`, `currency:CHF` -> `CHF ` (plain `currency` has no symbol)."""
    if not fmt or not fmt.startswith("currency:"):
        return ""
    code = fmt.partition(":")[2].strip().upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")


def _decimals(fmt: str | None, kind: str) -> int:
    """Decimal places for a number, from the dataset format (`0.000`, `currency`) or type."""
    if fmt in ("currency", "money", "decimal", "number") or currency_prefix(fmt):
        return 2
    if fmt in ("integer", "int"):
        return 0
    if fmt in ("percent", "pct"):
        return 1
    parametric = _PARAMETRIC.fullmatch(fmt.strip()) if fmt else None
    if parametric:
        return int(parametric.group(2))
    match = _PATTERN.fullmatch(fmt.strip()) if fmt else None
    if match:
        return len(match.group(1) or "")
    return 0 if kind == "integer" else 2


def _is_percent(fmt: str | None) -> bool:
    if not fmt:
        return False
    return fmt in ("percent", "pct") or fmt.startswith("percent:") or fmt.strip().endswith("%")


def format_number(value: Any, kind: str, fmt: str | None = None, name: str = "") -> str:
    """`1234567.891` -> `1,234,567.89`; ids stay plain; `percent` shows 0.153 as `15.3%`;
    `currency:USD` shows -1234.5 as `-$1,234.50`."""
    return _number_formatter(kind, fmt, name)(value)


def format_date(value: Any, kind: str, fmt: str | None = None) -> str:
    """ISO dates and timestamps from the API -> `31 Jan 2024` / `31 Jan 2024 14:05:00`; a
    date bucket's period (format `period:month`) as people name it, `Jan 2024`."""
    text = str(value)
    if fmt and fmt.startswith(buckets.PERIOD):
        try:
            return buckets.period_text(dt.date.fromisoformat(text[:10]), fmt[len(buckets.PERIOD) :])
        except (ValueError, KeyError):
            return text
    try:
        if kind == "date" or len(text) == 10:
            return dt.date.fromisoformat(text[:10]).strftime("%d %b %Y")
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment.strftime("%d %b %Y %H:%M:%S")


def format_value(value: Any, kind: str, fmt: str | None = None, name: str = "") -> str | None:
    """One cell as text; None stays None so the grid can mark it as a null."""
    return cell_formatter(kind, fmt, name)(value)


def _yes_no(value: Any) -> str:
    return "Yes" if value in (True, "true", "True", 1) else "No"


def _number_formatter(kind: str, fmt: str | None, name: str) -> Callable[[Any], str]:
    """`format_number` for one column, its format read once rather than once per cell."""
    places, percent, prefix = _decimals(fmt, kind), _is_percent(fmt), currency_prefix(fmt)
    plain_id = not fmt and kind == "integer" and is_identifier(name)

    def number_text(value: Any) -> str:
        if type(value) is int and not (percent or plain_id or prefix):
            # Exact as the Decimal below, without building one (a whole number's digits).
            return f"{value:,}" + ("." + "0" * places if places else "")
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
        if not number.is_finite():
            return str(value)
        if percent:
            return f"{number * 100:,.{places}f}%"
        if plain_id:
            return str(int(number)) if number == number.to_integral_value() else str(value)
        if prefix:
            return f"{'-' if number < 0 else ''}{prefix}{abs(number):,.{places}f}"
        return f"{number:,.{places}f}"

    return number_text


def cell_formatter(
    kind: str, fmt: str | None = None, name: str = ""
) -> Callable[[Any], str | None]:
    """`format_value` for one column: a page formats every cell of a column the same way, so
    the format and kind are read once per column, not per cell (formatting a page was over
    half of what applying an answer cost in the explorer's own code; now half as much).

    >>> [cell_formatter("float", "currency:EUR")(v) for v in (None, -1234.5, True)]
    [None, '-€1,234.50', 'Yes']
    """
    if kind == "boolean":
        return lambda value: None if value is None else _yes_no(value)
    if kind in NUMERIC_KINDS:
        text = _number_formatter(kind, fmt, name)
    elif kind in TEMPORAL_KINDS:
        text = functools.partial(format_date, kind=kind, fmt=fmt)
    else:
        text = str

    def cell(value: Any) -> str | None:
        if value is None:
            return None
        if value is True or value is False:
            return _yes_no(value)
        return text(value)

    return cell


def format_rows(rows: list[list[Any]], columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API rows (lists) -> grid rows keyed `c0`, `c1`, ... (names may hold dots or spaces,
    which AG Grid would read as nested paths)."""
    cells = [
        cell_formatter(c.get("kind", "other"), c.get("format"), c.get("name", "")) for c in columns
    ]
    # One key object per column, shared by every row: the tab's stored state (pickled on
    # every event) then holds each key once instead of once per row.
    keys = [f"c{i}" for i in range(len(cells))]
    by_column = list(zip(keys, cells, strict=True))
    return [{key: cell(v) for (key, cell), v in zip(by_column, row, strict=False)} for row in rows]


def row_range(page: int, page_size: int, shown: int, total: int | None) -> str:
    """`1-50 of 1,234,567` (with an en dash), or `1-50` when the total is unknown."""
    if shown == 0:
        return "0 rows" if total in (None, 0) else f"0 of {total:,}"
    first = (page - 1) * page_size + 1
    last = first + shown - 1
    span = f"{first:,}{EN_DASH}{last:,}"
    return span if total is None else f"{span} of {total:,}"


def totals_row(
    row: list[Any] | None, columns: list[dict[str, Any]], groups: int
) -> list[dict[str, Any]]:
    """The API's totals row as one grid row, its first (group) column reading `Total`; none
    without a row, a group column or a measure.

    >>> totals_row([None, 1234.5], [{"name": "region", "kind": "text"},
    ...                             {"name": "usd", "kind": "float"}], 1)
    [{'c0': 'Total', 'c1': '1,234.50'}]
    """
    if row is None or not groups or len(columns) <= groups:
        return []
    shown = format_rows([row], columns)[0]
    shown["c0"] = "Total"
    return [shown]
