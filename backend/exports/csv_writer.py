"""CSV: UTF-8 (optional BOM), RFC 4180 quoting with CRLF rows, header = column labels.

Columns are transformed vectorised with pyarrow.compute, then Arrow's C++ CSV writer
formats them, so there is no Python loop per row:

- decimals: Arrow prints decimal128 exactly at the column's scale (`1.50`), never via float;
- integers as-is; floats in Arrow's shortest round-trip form (`0.1`, `1e+20`; an integral
  double prints without `.0`);
- dates `YYYY-MM-DD`; timestamps `YYYY-MM-DD HH:MM:SS` (a batch holding sub-second values
  keeps six fraction digits; time zones are written in UTC with a `Z`);
- booleans `true`/`false`; NULL is an empty unquoted field, an empty string is `""`;
- text is always quoted, and text starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
  `'` so spreadsheet programs never run it as a formula (OWASP CSV injection).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from backend.exports.common import ExportOptions
from backend.query.context import OutputColumn

BOM = b"\xef\xbb\xbf"
FORMULA_START = r"^[=+\-@\t\r]"
CHUNK_ROWS = 65_536


def defuse_formulas(text: pa.Array) -> pa.Array:
    """Prefix `'` to text a spreadsheet would read as a formula; NULLs stay NULL."""
    risky = pc.match_substring_regex(text, FORMULA_START)
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def defuse_label(label: str) -> str:
    return "'" + label if re.match(FORMULA_START, label) else label


def as_text(values: pa.Array) -> pa.Array:
    """Any column as plain UTF-8 strings (nested and exotic types fall back to `str()`)."""
    try:
        return pc.cast(values, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.string())


def _timestamp(values: pa.Array) -> pa.Array:
    zone = None if values.type.tz is None else "UTC"  # same instants, printed with a `Z`
    if zone is not None:
        values = pc.cast(values, pa.timestamp(values.type.unit, zone))
    try:  # whole seconds print as `YYYY-MM-DD HH:MM:SS`; a safe cast fails on fractions
        return pc.cast(values, pa.timestamp("s", zone))
    except pa.ArrowInvalid:
        return values


def csv_column(values: pa.Array) -> pa.Array:
    """One column transformed so Arrow's CSV writer prints it the way this module promises."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        return csv_column(values.dictionary_decode())
    if pa.types.is_timestamp(kind):
        return _timestamp(values)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return defuse_formulas(values)
    if pa.types.is_string_view(kind):
        return defuse_formulas(pc.cast(values, pa.string()))
    if pa.types.is_nested(kind) or pa.types.is_interval(kind):
        return defuse_formulas(as_text(values))
    return values


class CsvWriter:
    """Appends batches to one CSV file; the header is written with the first batch."""

    chunk_rows = CHUNK_ROWS

    def __init__(self, path: Path, columns: Sequence[OutputColumn], options: ExportOptions) -> None:
        self._fh: BinaryIO = path.open("wb")
        if options.bom:
            self._fh.write(BOM)
        self._labels = [defuse_label(c.label or c.name) for c in columns]
        self._header = True

    def write(self, batch: pa.RecordBatch) -> None:
        arrays = [csv_column(col) for col in batch.columns]
        out = pa.RecordBatch.from_arrays(arrays, names=self._labels)
        pa_csv.write_csv(out, self._fh, _options(self._header))
        self._header = False

    def close(self) -> None:
        if self._header:  # no rows at all: still a header line
            self._fh.write(_header_line(self._labels))
        self._fh.close()

    def abort(self) -> None:
        self._fh.close()


def _options(header: bool) -> pa_csv.WriteOptions:
    return pa_csv.WriteOptions(include_header=header, eol="\r\n", batch_size=8192)


def _header_line(labels: Sequence[str]) -> bytes:
    cells = ['"' + label.replace('"', '""') + '"' for label in labels]
    return (",".join(cells) + "\r\n").encode()
