"""A dashboard as an XLSX workbook: one sheet per report tile (every tab, in order), the
tile's rows under the same filters the viewer's tiles show, numbers written as numbers.

Each sheet holds at most a tile's page (TileDataIn.page_size, up to 1,000 rows): a
dashboard tile is a summary; the explorer's export is the way to a full result.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter

from backend.dashboards.models import ReportTile
from backend.services.queries import PageResult

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
