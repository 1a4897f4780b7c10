"""XLSX with xlsxwriter in `constant_memory` mode: typed cells, a bold frozen header with an
autofilter, widths from a sample, and a new sheet ("Data", "Data (2)", ...) every
`rows_per_sheet` data rows, header repeated.

Every write's return code is checked: xlsxwriter signals a dropped or truncated cell only by
a negative code, and we would rather fail than hand over a file with holes. Text is written
with `write_string`, so nothing is ever evaluated as a formula; text that *looks* like one
(`=`, `+`, `-`, `@`, tab, CR first) also gets Excel's quote-prefix style, so it stays text
even when a user edits the cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from backend.exports.common import ExportOptions, ExportWriteError, scratch_dir
from backend.exports.csv_writer import as_text
from backend.exports.xlsx_cells import Cells, to_cells
from backend.exports.xlsx_formats import excel_format
from backend.exports.xlsx_xml import ColumnXml, render_rows
from backend.query.context import OutputColumn

CHUNK_ROWS = 2_048
WIDTH_SAMPLE_ROWS = 100
MIN_WIDTH, MAX_WIDTH = 6, 60
RISKY_FIRST = frozenset("=+-@\t\r")
FAST_XML = True
# What the fast path relies on (constant_memory mode of xlsxwriter 3.x).
XLSXWRITER_INTERNALS = ("_write_single_row", "_check_dimensions", "_write_number")

CellWrite = Callable[[int, int, Any, Format | None], int]


class XlsxWriter:
    chunk_rows = CHUNK_ROWS

    def __init__(self, path: Path, columns: Sequence[OutputColumn], options: ExportOptions) -> None:
        scratch = scratch_dir(path)
        scratch.mkdir(exist_ok=True)
        self._wb = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "nan_inf_to_errors": True, "tmpdir": str(scratch)},
        )
        self._columns = list(columns)
        self._per_sheet = options.rows_per_sheet
        self._bold = self._wb.add_format({"bold": True})
        self._quoted = self._wb.add_format({"quote_prefix": True})
        self._formats: list[Format | None] = []
        self._widths: list[float] = []
        self._fast: list[ColumnXml] = []  # empty: every chunk goes cell by cell
        self._ws: Worksheet | None = None
        self._sheets = 0
        self._row = 0  # data rows on the current sheet

    def write(self, batch: pa.RecordBatch) -> None:
        if not self._widths:
            self._prepare(batch)
        start = 0
        while start < batch.num_rows:
            if self._ws is None or self._row >= self._per_sheet:
                self._new_sheet()
            take = min(self._per_sheet - self._row, batch.num_rows - start)
            self._write_rows(batch.slice(start, take))
            start += take

    def close(self) -> None:
        if not self._widths:  # no rows at all: a header-only sheet
            self._widths = [header_width(c) for c in self._columns]
        if self._ws is None:
            self._new_sheet()
        self._finish_sheet()
        self._wb.close()

    def abort(self) -> None:
        # The workbook never gets closed, so remove the row files constant_memory keeps.
        for ws in self._wb.worksheets():
            handle = getattr(ws, "row_data_fh", None)
            if handle is not None:
                handle.close()
            name = getattr(ws, "row_data_filename", None)
            if name:
                Path(name).unlink(missing_ok=True)

    def _prepare(self, batch: pa.RecordBatch) -> None:
        for field, column in zip(batch.schema, self._columns, strict=True):
            code = excel_format(field.type, column.format)
            self._formats.append(self._wb.add_format({"num_format": code}) if code else None)
        self._widths = sample_widths(batch, self._columns)
        if FAST_XML and all(hasattr(Worksheet, a) for a in XLSXWRITER_INTERNALS):
            quoted = self._quoted._get_xf_index()
            self._fast = [
                ColumnXml.of(i, f._get_xf_index() if f else None, quoted)
                for i, f in enumerate(self._formats)
            ]

    def _new_sheet(self) -> None:
        self._finish_sheet()
        self._sheets += 1
        name = "Data" if self._sheets == 1 else f"Data ({self._sheets})"
        ws = self._wb.add_worksheet(name)
        for col, (column, width) in enumerate(zip(self._columns, self._widths, strict=False)):
            ws.set_column(col, col, width)
            _check(ws.write_string(0, col, column.label or column.name, self._bold), 0, column)
        ws.freeze_panes(1, 0)
        self._ws, self._row = ws, 0

    def _finish_sheet(self) -> None:
        if self._ws is not None and self._columns:
            self._ws.autofilter(0, 0, max(self._row, 1), len(self._columns) - 1)

    def _write_rows(self, chunk: pa.RecordBatch) -> None:
        assert self._ws is not None
        if not (self._fast and self._append_xml(self._ws, chunk)):
            self._write_cells(self._ws, chunk)
        self._row += chunk.num_rows

    def _append_xml(self, ws: Worksheet, chunk: pa.RecordBatch) -> bool:
        """The fast path: the chunk's rows as XML straight into the sheet's row file."""
        first = self._row + 1
        xml = render_rows(chunk, self._fast, first)
        if xml is None:
            return False
        ws._write_single_row(first)  # flush the row xlsxwriter still holds (the header)
        ws.fh.write(xml)
        if ws._check_dimensions(first + chunk.num_rows - 1, len(self._fast) - 1):
            raise ExportWriteError(f"Row {first + chunk.num_rows - 1} is past Excel's last row.")
        return True

    def _write_cells(self, ws: Worksheet, chunk: pa.RecordBatch) -> None:
        plan = [
            (self._writer(ws, cells), cells.values, fmt)
            for cells, fmt in zip(map(to_cells, chunk.columns), self._formats, strict=True)
        ]
        first = self._row + 1
        for i in range(chunk.num_rows):
            row = first + i
            for col, (write, values, fmt) in enumerate(plan):
                value = values[i]
                if value is not None:
                    code = write(row, col, value, fmt)
                    if code:
                        _check(code, row, self._columns[col])

    def _writer(self, ws: Worksheet, cells: Cells) -> CellWrite:
        # The undecorated `_write_*` twins skip the A1-notation check of every public call
        # (about a tenth of the time per cell); fall back to the public ones if they go.
        number = getattr(ws, "_write_number", ws.write_number)
        string = getattr(ws, "_write_string", ws.write_string)
        plain: dict[str, CellWrite] = {
            "number": number,
            "bool": getattr(ws, "_write_boolean", ws.write_boolean),
            "text": string,  # text columns carry no number format: None is passed
        }
        if cells.kind in plain:
            return plain[cells.kind]
        quoted = self._quoted
        if cells.kind == "risky_text":
            return lambda r, c, v, _f: string(r, c, v, quoted if v[:1] in RISKY_FIRST else None)
        return lambda r, c, v, f: string(r, c, v) if isinstance(v, str) else number(r, c, v, f)


def _check(code: int, row: int, column: OutputColumn) -> None:
    if code == -2:
        raise ExportWriteError(
            f"Row {row}, column {column.label or column.name}: the text is longer than "
            "Excel's 32,767-character cell limit; export to CSV or Parquet instead."
        )
    if code < 0:
        raise ExportWriteError(
            f"Row {row}, column {column.label or column.name}: Excel refused the cell "
            f"(xlsxwriter code {code})."
        )


def header_width(column: OutputColumn) -> float:
    return float(len(column.label or column.name) + 3)  # room for the autofilter arrow


def sample_widths(batch: pa.RecordBatch, columns: Sequence[OutputColumn]) -> list[float]:
    """Column widths in characters from the header and the first rows, within bounds."""
    sample = batch.slice(0, WIDTH_SAMPLE_ROWS)
    widths = []
    for values, column in zip(sample.columns, columns, strict=True):
        header = header_width(column)
        longest = max((len(t) for t in as_text(values).to_pylist() if t), default=0)
        if pa.types.is_timestamp(values.type):
            longest = 19
        widths.append(float(min(max(header, longest + 2, MIN_WIDTH), MAX_WIDTH)))
    return widths
