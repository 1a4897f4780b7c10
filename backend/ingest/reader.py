"""Reading an uploaded CSV, XLSX or Parquet file into a typed polars LazyFrame.

Malformed input fails with `InvalidUpload` naming the line (CSV) or cell (XLSX) to fix. A
value that does not convert to its column's type fails the same way: nothing is silently
turned into NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from backend.errors import InvalidUpload
from backend.ingest.bounds import UploadLimits, check_bounds
from backend.ingest.csv_check import check_csv, line_of_record, locate_problem
from backend.ingest.types import cast_text, infer_text_types, lost_value, polars_type, sql_name

FORMATS = ("csv", "xlsx", "parquet")


@dataclass(frozen=True)
class ColumnPlan:
    """One column: its safe `name`, the file's header as `label`, the `type` written and
    the type `inferred` from the data (they differ when an override chose another)."""

    name: str
    label: str
    type: str
    inferred: str


def detect_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    fmt = {"txt": "csv", "tsv": "csv", "xls": "xlsx", "pq": "parquet"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise InvalidUpload(f"'{filename}' is not a CSV, XLSX or Parquet file.")
    return fmt


def safe_name(label: str, index: int) -> str:
    """Column names become plain snake_case identifiers; the original stays as the label.

    >>> safe_name("Order Date", 0), safe_name("2024 total", 1), safe_name("€", 2)
    ('order_date', 'c_2024_total', 'column_3')
    """
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", label.strip()).strip("_").lower()
    if not name:
        return f"column_{index + 1}"
    return f"c_{name}" if name[0].isdigit() else name[:120]


def _raw(path: Path, fmt: str, limits: UploadLimits | None) -> pl.LazyFrame:
    if limits is not None:
        check_bounds(path, fmt, limits)
    if fmt == "parquet":
        return pl.scan_parquet(path)
    if fmt == "xlsx":
        return _xlsx(path)
    check_csv(path, max_rows=limits.max_rows if limits else None)
    frame = pl.scan_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=True)
    # A blank line (or a row of empty fields) is no record, as in `check_csv`.
    return frame.filter(~pl.all_horizontal(pl.all().is_null()))


_DUPLICATE = re.compile(r"^(.*)_duplicated_\d+$")


def _xlsx(path: Path) -> pl.LazyFrame:
    """The first sheet as text, inferred like a CSV. Read typed, calamine turns a cell that
    does not fit the column's guessed type into NULL (`n/a` among numbers) and numbers into
    doubles; read as text it keeps every cell (`2.5`, `4`, `n/a`). The typed read is kept
    only to know which columns hold date cells, whose text ends in ` 00:00:00`."""
    try:
        text = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        typed = pl.read_excel(path, engine="calamine").schema
    except Exception as e:
        raise InvalidUpload(f"The file is not a readable XLSX workbook: {e}") from e
    dates = [name for name, dtype in typed.items() if dtype == pl.Date and name in text.columns]
    return text.lazy().with_columns(pl.col(dates).str.replace(r" 00:00:00$", ""))


def _header(column: str, columns: list[str]) -> str:
    """The file's header of a column: polars renames a repeated header `x` to
    `x_duplicated_0`."""
    match = _DUPLICATE.match(column)
    return match.group(1) if match and match.group(1) in columns else column


def _renamed(frame: pl.LazyFrame) -> tuple[pl.LazyFrame, dict[str, str]]:
    columns = frame.collect_schema().names()
    labels = [_header(c, columns) for c in columns]
    names = [safe_name(label, i) for i, label in enumerate(labels)]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n}_{seen[n]}"
    renamed = frame.rename(dict(zip(columns, names, strict=True)))
    return renamed, dict(zip(names, labels, strict=True))


def read_typed(
    path: Path,
    fmt: str,
    overrides: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    *,
    limits: UploadLimits | None = None,
) -> tuple[pl.LazyFrame, list[ColumnPlan]]:
    """The file as a typed LazyFrame, plus what was inferred and what was chosen.

    `overrides` (by column name or header) are the admin's choices; `defaults` are types to
    use instead of inference for the columns they name that the file has (an earlier load's
    types, so loads stay compatible). Over `limits` the file is refused before it is read
    whole (`backend.ingest.bounds`)."""
    try:
        return _read_typed(path, fmt, overrides or {}, defaults or {}, limits)
    except pl.exceptions.PolarsError as e:
        located = locate_problem(path) if fmt == "csv" else None
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise located or InvalidUpload(f"The file could not be read: {first}") from e


def _read_typed(
    path: Path,
    fmt: str,
    overrides: dict[str, str],
    defaults: dict[str, str],
    limits: UploadLimits | None,
) -> tuple[pl.LazyFrame, list[ColumnPlan]]:
    frame, labels = _renamed(_raw(path, fmt, limits))
    schema = frame.collect_schema()
    inferred = {n: sql_name(t) for n, t in schema.items()}
    if fmt != "parquet":  # a Parquet file's types are meant; text files are all text
        # Held in memory (about the file's size): inference, conversion and the lossless
        # check then read it, instead of parsing the file again for each.
        data = frame.collect()
        frame = data.lazy()
        text_cols = [n for n, t in schema.items() if isinstance(t, pl.String)]
        inferred.update(infer_text_types(data, text_cols))
    chosen = {**inferred, **{n: t for n, t in defaults.items() if n in inferred}}
    chosen = _apply_overrides(chosen, overrides, labels)
    converted = _convert(frame, schema, chosen)
    names = list(schema.names())
    bad = _first_lost(frame, converted, names)
    if bad is not None:
        raise _conversion_error(path, fmt, bad, names, chosen)
    plans = [ColumnPlan(n, labels[n], chosen[n], inferred[n]) for n in names]
    return converted, plans


def _apply_overrides(
    inferred: dict[str, str], overrides: dict[str, str], labels: dict[str, str]
) -> dict[str, str]:
    by_label = {label: name for name, label in labels.items()}
    chosen = dict(inferred)
    for col, type_name in overrides.items():
        name = col if col in chosen else by_label.get(col)
        if name is None:
            raise InvalidUpload(
                f"Type override for unknown column '{col}'.", details=[{"column": col}]
            )
        try:
            polars_type(type_name)
        except ValueError as e:
            raise InvalidUpload(f"Column '{col}': {e}.", details=[{"column": col}]) from e
        chosen[name] = type_name.strip().upper()
    return chosen


def _convert(frame: pl.LazyFrame, schema: pl.Schema, chosen: dict[str, str]) -> pl.LazyFrame:
    exprs = []
    for name, dtype in schema.items():
        if isinstance(dtype, pl.String):
            exprs.append(cast_text(name, chosen[name]))
            continue
        try:
            target = polars_type(chosen[name])
        except ValueError:  # a Parquet type we have no name for (lists, structs): kept
            exprs.append(pl.col(name))
            continue
        same = dtype == target
        exprs.append(pl.col(name) if same else pl.col(name).cast(target, strict=False))
    return frame.select(exprs)


def _first_lost(
    raw: pl.LazyFrame, converted: pl.LazyFrame, names: list[str]
) -> tuple[int, int, str] | None:
    """(row, column index, original text) of the first value conversion lost, if any."""
    pairs = raw.select([pl.col(n).cast(pl.String).alias(f"{n}\x00raw") for n in names])
    both = pl.concat([pairs, converted], how="horizontal").with_row_index("_row")
    bad = [lost_value(f"{n}\x00raw", n).alias(n) for n in names]
    hit = both.select("_row", *bad).filter(pl.any_horizontal(names)).head(1).collect()
    if hit.height == 0:
        return None
    row = int(hit["_row"][0])
    col_index = next(i for i, n in enumerate(names) if hit[n][0])
    name = names[col_index]
    value = raw.select(pl.col(name).cast(pl.String)).slice(row, 1).collect().item()
    return row, col_index, str(value)


def _conversion_error(
    path: Path, fmt: str, bad: tuple[int, int, str], names: list[str], chosen: dict[str, str]
) -> InvalidUpload:
    row, col_index, value = bad
    name = names[col_index]
    where, detail = _position(path, fmt, row, col_index)
    return InvalidUpload(
        f"{where}: '{value[:100]}' is not a valid {chosen[name]} for column '{name}'. "
        "Fix the value, or upload again with another type for this column.",
        details=[{**detail, "column": name, "type": chosen[name], "value": value[:200]}],
    )


def _position(path: Path, fmt: str, row: int, col: int) -> tuple[str, dict[str, object]]:
    if fmt == "xlsx":
        cell = f"{column_letters(col)}{row + 2}"
        return f"Cell {cell}", {"cell": cell}
    if fmt == "csv":
        line = line_of_record(path, row)
        return f"Line {line}", {"line": line}
    return f"Row {row + 1}", {"row": row + 1}


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA.

    >>> column_letters(0), column_letters(27), column_letters(702)
    ('A', 'AB', 'AAA')
    """
    letters, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
