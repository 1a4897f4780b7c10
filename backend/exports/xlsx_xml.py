"""Sheet rows rendered as SpreadsheetML text with Arrow compute, a whole chunk at a time.

xlsxwriter spends most of an export formatting one cell at a time in Python. Here the same
XML (inline strings, as its constant_memory mode writes them) is built column-wise with
pyarrow.compute and appended to the worksheet's row file; xlsxwriter still owns the
workbook, styles, dimensions and sheet assembly. A chunk holding anything this renderer does
not reproduce exactly (NaN/inf, control characters, `_xHHHH_` look-alikes, text near the
cell limit, values written as text) returns None, and the caller writes that chunk cell by
cell through xlsxwriter instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name

from backend.exports.csv_writer import FORMULA_START
from backend.exports.xlsx_cells import (
    MAX_EXACT_INT,
    date_serials,
    time_fractions,
    timestamp_serials,
)

# Anything xlsxwriter would escape as _xHHHH_, and literal escapes it would protect.
NEEDS_ESCAPE = r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]"
EDGE_SPACE = r"^\s|\s$"
SAFE_TEXT_CHARS = 16_383  # under this many code points a text is surely within 32,767 UTF-16


@dataclass(frozen=True)
class ColumnXml:
    """How one column's cells open: its letter and its style attribute (`' s="3"'` or '')."""

    letter: str
    style: str
    quoted_style: str

    @classmethod
    def of(cls, index: int, xf: int | None, quoted_xf: int) -> ColumnXml:
        style = f' s="{xf}"' if xf else ""
        return cls(xl_col_to_name(index), style, f' s="{quoted_xf}"')


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _number_text(values: pa.Array) -> pa.Array | None:
    kind = values.type
    if pa.types.is_dictionary(kind):
        return _number_text(values.dictionary_decode())
    if pa.types.is_floating(kind):
        finite = pc.is_finite(values)
        if not pc.all(pc.fill_null(finite, True)).as_py():
            return None  # NaN and inf become error cells: xlsxwriter's business
        return pc.cast(values, pa.string())
    if pa.types.is_integer(kind):
        low, high = pc.min_max(values).values()
        if (low.as_py() or 0) < -MAX_EXACT_INT or (high.as_py() or 0) > MAX_EXACT_INT:
            return None
        return pc.cast(values, pa.string())
    if pa.types.is_decimal(kind):  # the exact digits; Excel rounds them to a double itself
        return pc.cast(values, pa.string())
    return _serial_text(values)


def _serial_text(values: pa.Array) -> pa.Array | None:
    kind = values.type
    if pa.types.is_date(kind):
        serials = date_serials(values)
    elif pa.types.is_timestamp(kind):
        serials = timestamp_serials(values)
    elif pa.types.is_time(kind):
        return pc.cast(time_fractions(values), pa.string())
    else:
        return None
    low = pc.min(serials).as_py()
    if low is not None and low < 1:
        return None  # before 1900: written as text by the cell-by-cell path
    return pc.cast(serials, pa.string())


def _number_cells(values: pa.Array, col: ColumnXml, refs: pa.Array) -> pa.Array | None:
    text = _number_text(values)
    if text is None:
        return None
    return _join('<c r="', col.letter, refs, '"', col.style, "><v>", text, "</v></c>")


def _bool_cells(values: pa.Array, col: ColumnXml, refs: pa.Array) -> pa.Array:
    text = pc.cast(pc.cast(values, pa.int8()), pa.string())
    return _join('<c r="', col.letter, refs, '" t="b"><v>', text, "</v></c>")


def _text_cells(values: pa.Array, col: ColumnXml, refs: pa.Array) -> pa.Array | None:
    if pa.types.is_large_string(values.type) or pa.types.is_string_view(values.type):
        values = pc.cast(values, pa.string())
    if pc.any(pc.match_substring_regex(values, NEEDS_ESCAPE)).as_py():
        return None
    if (pc.max(pc.utf8_length(values)).as_py() or 0) > SAFE_TEXT_CHARS:
        return None
    escaped = pc.replace_substring(values, "&", "&amp;")
    escaped = pc.replace_substring(pc.replace_substring(escaped, "<", "&lt;"), ">", "&gt;")
    t_open = pc.if_else(
        pc.match_substring_regex(values, EDGE_SPACE), '<t xml:space="preserve">', "<t>"
    )
    style = pc.if_else(pc.match_substring_regex(values, FORMULA_START), col.quoted_style, col.style)
    return _join(
        '<c r="',
        col.letter,
        refs,
        '"',
        style,
        ' t="inlineStr"><is>',
        t_open,
        escaped,
        "</t></is></c>",
    )


def column_cells(values: pa.Array, col: ColumnXml, refs: pa.Array) -> pa.Array | None:
    """The `<c>` elements of one column ('' for NULL), or None to fall back."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        values, kind = values.dictionary_decode(), values.type.value_type
    if pa.types.is_boolean(kind):
        cells = _bool_cells(values, col, refs)
    elif (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    ):
        cells = _text_cells(values, col, refs)
    else:
        cells = _number_cells(values, col, refs)
    return None if cells is None else pc.fill_null(cells, "")


def render_rows(chunk: pa.RecordBatch, columns: Sequence[ColumnXml], first_row: int) -> str | None:
    """`<row>` elements for `chunk` whose first row has zero-based index `first_row`."""
    refs = pc.cast(pa.arange(first_row + 1, first_row + 1 + chunk.num_rows), pa.string())
    cells = []
    for values, col in zip(chunk.columns, columns, strict=True):
        rendered = column_cells(values, col, refs)
        if rendered is None:
            return None
        cells.append(rendered)
    rows = _join('<row r="', refs, '">', *cells, "</row>")
    return "".join(rows.to_pylist())
