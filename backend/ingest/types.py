"""Column type inference for text files, and the type names admins may override with.

CSV cells arrive as text. A column becomes the narrowest type every non-empty cell fits:
BIGINT, then DECIMAL (exact, with the largest scale seen), DOUBLE, DATE, TIMESTAMP, BOOLEAN,
else VARCHAR. Numbers with leading zeros (postal codes, account numbers) stay text.
"""

from __future__ import annotations

import re

import polars as pl

_INT = r"^[+-]?(0|[1-9][0-9]{0,17})$"
_DEC = r"^[+-]?(0|[1-9][0-9]{0,27})\.([0-9]{1,9})$"
_WHOLE = r"^[+-]?(0|[1-9][0-9]{0,27})$"  # past BIGINT, still an exact DECIMAL(38,0)
_FLOAT = r"^[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE = "%Y-%m-%d"
_TS_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f")
_BOOL = r"^(?i:true|false)$"

TYPE_NAMES = ("BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN", "VARCHAR")
_DECIMAL_NAME = re.compile(r"^DECIMAL\((\d{1,2}),\s*(\d{1,2})\)$")


def polars_type(name: str) -> pl.DataType:
    """The polars type of a SQL type name an admin chose; ValueError when unknown."""
    upper = name.strip().upper()
    m = _DECIMAL_NAME.match(upper)
    if m:
        precision, scale = int(m.group(1)), int(m.group(2))
        if not 0 < precision <= 38 or scale > precision:
            raise ValueError(f"DECIMAL({precision},{scale}) is not a valid decimal type")
        return pl.Decimal(precision, scale)
    simple: dict[str, pl.DataType] = {
        "BIGINT": pl.Int64(),
        "INTEGER": pl.Int64(),
        "DOUBLE": pl.Float64(),
        "DATE": pl.Date(),
        "TIMESTAMP": pl.Datetime("us"),
        "BOOLEAN": pl.Boolean(),
        "VARCHAR": pl.String(),
        "TEXT": pl.String(),
    }
    if upper not in simple:
        allowed = ", ".join((*TYPE_NAMES, "DECIMAL(p,s)"))
        raise ValueError(f"unknown type '{name}'; choose one of {allowed}")
    return simple[upper]


def sql_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    names = {
        pl.Int8: "TINYINT",
        pl.Int16: "SMALLINT",
        pl.Int32: "INTEGER",
        pl.Int64: "BIGINT",
        pl.Float32: "FLOAT",
        pl.Float64: "DOUBLE",
        pl.Date: "DATE",
        pl.Boolean: "BOOLEAN",
        pl.String: "VARCHAR",
    }
    for cls, name in names.items():
        if isinstance(dtype, cls):
            return name
    return "TIMESTAMP" if isinstance(dtype, pl.Datetime) else str(dtype).upper()


def _present(c: pl.Expr) -> pl.Expr:
    return c.is_not_null() & (c.str.strip_chars() != "")


_DATE_SHAPE = r"^\d{4}-\d{2}-\d{2}$"
_TS_SHAPE = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$"
_HEAD = 1_000  # a test that fails on these values is not run on the rest


def _timestamps(s: pl.Expr) -> pl.Expr:
    return pl.coalesce([s.str.to_datetime(f, strict=False) for f in _TS_FORMATS])


# Narrowest first: each test is a condition every distinct value must meet.
_TESTS: tuple[tuple[str, pl.Expr], ...] = (
    ("BIGINT", pl.col("v").str.contains(_INT)),
    ("DECIMAL", pl.col("v").str.contains(_DEC) | pl.col("v").str.contains(_WHOLE)),
    ("DOUBLE", pl.col("v").str.contains(_FLOAT)),
    (
        "DATE",
        pl.col("v").str.contains(_DATE_SHAPE)
        & pl.col("v").str.to_date(_DATE, strict=False).is_not_null(),
    ),
    ("TIMESTAMP", pl.col("v").str.contains(_TS_SHAPE) & _timestamps(pl.col("v")).is_not_null()),
    ("BOOLEAN", pl.col("v").str.contains(_BOOL)),
)


def _distinct(column: pl.Series) -> pl.DataFrame:
    values = column.drop_nulls().str.strip_chars().unique()
    return values.filter(values != "").to_frame("v")


def _passes(values: pl.DataFrame, test: pl.Expr) -> bool:
    head = values.head(_HEAD)
    if not head.select(test.all()).item():
        return False
    return len(values) <= _HEAD or bool(values.select(test.all()).item())


def infer_type(column: pl.Series) -> str:
    """The narrowest type every non-empty cell of a text column fits, tested on the
    distinct values (a column of regions or dates has few), cheapest verdict first."""
    values = _distinct(column)
    if values.is_empty():
        return "VARCHAR"
    for name, test in _TESTS:
        if _passes(values, test):
            if name != "DECIMAL":
                return name
            scale = values.select(pl.col("v").str.extract(_DEC, 2).str.len_chars().max()).item()
            return f"DECIMAL(38,{int(scale or 0)})"
    return "VARCHAR"


def infer_text_types(frame: pl.DataFrame, columns: list[str]) -> dict[str, str]:
    return {name: infer_type(frame.get_column(name)) for name in columns}


def cast_text(name: str, type_name: str) -> pl.Expr:
    """Converts a text column to `type_name`; empty cells become NULL. Cells that do not
    convert also become NULL here: the reader finds them (`lost_value`) so the upload fails with
    the cell's position instead of silently losing a value."""
    c = pl.col(name)
    s = pl.when(_present(c)).then(c.str.strip_chars())
    dtype = polars_type(type_name)
    if isinstance(dtype, pl.String):
        return c
    if isinstance(dtype, pl.Date):
        out = s.str.to_date(_DATE, strict=False)
    elif isinstance(dtype, pl.Datetime):
        out = pl.coalesce([s.str.to_datetime(f, strict=False) for f in _TS_FORMATS])
    elif isinstance(dtype, pl.Boolean):
        lower = s.str.to_lowercase()
        out = pl.when(lower == "true").then(True).when(lower == "false").then(False)
    elif isinstance(dtype, pl.Decimal):
        out = (
            pl.when(s.str.contains(_DEC) | s.str.contains(_WHOLE))
            .then(s)
            .str.to_decimal(scale=dtype.scale)
        )
        out = out.cast(dtype, strict=False)
    else:
        out = s.cast(dtype, strict=False)
    return out.alias(name)


def lost_value(original: str, converted: str) -> pl.Expr:
    """True where a present text cell became NULL in conversion."""
    return _present(pl.col(original)) & pl.col(converted).is_null()
