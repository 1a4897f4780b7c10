"""A dashboard as an XLSX workbook: one sheet per report tile (every tab, in order), the
tile's rows under the same filters the viewer's tiles show, numbers written as numbers.

Two ways: `write` answers the synchronous `POST .../export.xlsx` from the tiles' pages (at
most TileDataIn.page_size, up to 1,000 rows, a sheet); `write_file` is the export job's
(backend.dashboards.delivery): each tile's whole result streamed from the database, up to
EXPORT_EXCEL_MAX_ROWS a sheet, a sheet cut there ending in a row that says so.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import xlsxwriter

from backend.dashboards.models import ReportTile
from backend.exports import ExportCancelled
from backend.query.context import OutputColumn
from backend.services.queries import PageResult

Stream = tuple[list[OutputColumn], Iterator[pa.RecordBatch]]

_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|FLOAT|DOUBLE|DECIMAL)")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(tiles: list[ReportTile]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case.

    >>> from backend.dashboards.models import ReportTile
    >>> t = lambda i, title: ReportTile.model_validate({"kind": "report", "id": i,
    ...     "title": title, "position": {"x": 0, "y": 0, "w": 1, "h": 1},
    ...     "spec": {"dataset": "d"}})
    >>> sheet_names([t("a", "Sales: by region?"), t("b", "sales  by region "), t("c", "")])
    ['Sales by region', 'sales by region (2)', 'c']
    """
    names: list[str] = []
    for tile in tiles:
        base = " ".join(_BAD_SHEET_CHARS.sub("", tile.title).split())[:27] or tile.id[:27]
        name, n = base, 1
        while name.casefold() in {x.casefold() for x in names}:
            n += 1
            name = f"{base} ({n})"
        names.append(name)
    return names


def _number(value: Any) -> float | int | None:
    """A numeric column's cell as a number (exact decimals travel as text in pages)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(Decimal(str(value)))
    except InvalidOperation:
        return None


def write(tiles: list[ReportTile], pages: list[PageResult]) -> bytes:
    """The workbook's bytes; constant memory: rows are written in order and flushed."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    for name, page in zip(sheet_names(tiles), pages, strict=True):
        sheet = book.add_worksheet(name)
        numeric = [bool(_NUMERIC.match(str(c.get("type", "")).upper())) for c in page.columns]
        for col, c in enumerate(page.columns):
            sheet.write_string(0, col, str(c.get("label") or c["name"]), bold)
        for r, row in enumerate(page.rows, start=1):
            for col, value in enumerate(row):
                number = _number(value) if numeric[col] else None
                if number is not None:
                    sheet.write_number(r, col, number)
                elif value is not None:
                    sheet.write_string(r, col, str(value))
    if not tiles:
        book.add_worksheet("Empty")
    book.close()
    return out.getvalue()


def _arrow_numeric(field: pa.Field) -> bool:
    t = field.type
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


def write_file(
    path: Path,
    tiles: list[ReportTile],
    streams: list[Stream],
    max_rows: int,
    on_progress: Callable[[int], None],
    should_cancel: Callable[[], bool],
) -> int:
    """Every tile's whole result as its sheet; returns the rows written in all."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    written = 0
    for name, (columns, batches) in zip(sheet_names(tiles), streams, strict=True):
        sheet = book.add_worksheet(name)
        for col, c in enumerate(columns):
            sheet.write_string(0, col, c.label or c.name, bold)
        written += _sheet_rows(sheet, batches, max_rows, should_cancel)
        getattr(batches, "close", lambda: None)()  # a sheet cut short frees its cursor
        on_progress(written)
    if not tiles:
        book.add_worksheet("Empty")
    book.close()
    return written


def _sheet_rows(
    sheet: Any, batches: Iterator[pa.RecordBatch], max_rows: int, should_cancel: Callable[[], bool]
) -> int:
    r = 0
    for batch in batches:
        if should_cancel():
            raise ExportCancelled("cancelled")
        numeric = [_arrow_numeric(f) for f in batch.schema]
        for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            if r == max_rows:
                sheet.write_string(r + 1, 0, f"Cut at {max_rows:,} rows (EXPORT_EXCEL_MAX_ROWS).")
                return r
            r += 1
            for col, value in enumerate(row):
                _cell(sheet, r, col, value, numeric[col])
    return r


def _cell(sheet: Any, r: int, col: int, value: Any, numeric: bool) -> None:
    number = _number(value) if numeric else None
    if number is not None:
        sheet.write_number(r, col, number)
    elif value is not None:
        sheet.write_string(r, col, str(value))
