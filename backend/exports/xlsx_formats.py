"""Excel number formats: the dataset's column `format` names mapped to Excel format codes.

| `format`      | Excel code            | example      |
|---------------|-----------------------|--------------|
| `integer`     | `#,##0`               | 1,234        |
| `currency`    | `#,##0.00`            | 1,234.50     |
| `currency:USD`| `"$"#,##0.00`         | $1,234.50    |
| `percent`     | `0.00%`               | 12.50%       |
| `percent:N`   | `0.` + N zeros + `%`  | 12.5%        |
| `decimal:N`   | `#,##0.` + N zeros    | 1,234.500    |

Dates are always `yyyy-mm-dd`, timestamps `yyyy-mm-dd hh:mm:ss`, times `hh:mm:ss`. A number
column with no (or an unknown) `format` gets none, except a decimal column with a scale, which
shows exactly its scale (`DECIMAL(18,2)` -> `0.00`). Format names are a closed list, so an
admin's label can never smuggle an arbitrary code into a file.
"""

from __future__ import annotations

import re

import pyarrow as pa

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm:ss"
TIME = "hh:mm:ss"

NAMED: dict[str, str] = {
    "integer": "#,##0",
    "currency": "#,##0.00",
    "percent": "0.00%",
}
_PARAMETRIC = re.compile(r"^(decimal|percent):(\d{1,2})$")
_CURRENCY = re.compile(r"^currency:([A-Z]{3})$")
# As the grid shows them; another code is written out ("CHF "#,##0.00).
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "\u20ac",
    "GBP": "\u00a3",
    "JPY": "\u00a5",
    "CNY": "CN\u00a5",
}
MAX_DECIMALS = 15


def _decimals(n: int) -> str:
    return "." + "0" * n if n else ""


def named_format(name: str | None) -> str | None:
    """The Excel code of a column `format` name, or None when it names nothing we know."""
    if name is None:
        return None
    if name in NAMED:
        return NAMED[name]
    currency = _CURRENCY.match(name)
    if currency is not None:
        code = currency.group(1)
        return f'"{CURRENCY_SYMBOLS.get(code, code + " ")}"#,##0.00'
    match = _PARAMETRIC.match(name)
    if match is None:
        return None
    kind, places = match.group(1), min(int(match.group(2)), MAX_DECIMALS)
    return f"#,##0{_decimals(places)}" if kind == "decimal" else f"0{_decimals(places)}%"


def excel_format(arrow_type: pa.DataType, name: str | None) -> str | None:
    """The number format for a column of `arrow_type` whose dataset format is `name`."""
    if pa.types.is_date(arrow_type):
        return DATE
    if pa.types.is_timestamp(arrow_type):
        return DATETIME
    if pa.types.is_time(arrow_type):
        return TIME
    if not (pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)) and not (
        pa.types.is_decimal(arrow_type)
    ):
        return None
    code = named_format(name)
    if code is None and pa.types.is_decimal(arrow_type) and arrow_type.scale > 0:
        code = "0" + _decimals(min(arrow_type.scale, MAX_DECIMALS))
    return code
