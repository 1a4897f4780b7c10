"""CSV structure checks that name the line to fix.

polars reads CSV fast but its errors do not say where the file is wrong. Python's `csv`
module (C code, RFC 4180 quoting with `strict=True`) walks the records once first and
reports a record with the wrong number of fields, or a quote that is never closed, with its
line. The one thing it accepts and polars refuses, a quote inside an unquoted field
(`1,x"y`), is looked for only after polars failed (`locate_problem`), record by record.

Records are counted the way the reader keeps them: blank lines and rows of empty fields are
skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from backend.errors import InvalidUpload

ENCODING = "utf-8-sig"  # a byte-order mark (Excel's "CSV UTF-8") is not part of the header


def _empty(record: list[str]) -> bool:
    return all(not field for field in record)


class _Records:
    """(first line, raw text, fields) of each data record after the header. The raw text
    costs a Python step per line, so it is only kept when asked for (else it is "")."""

    def __init__(self, path: Path, *, raw: bool = False) -> None:
        self._path = path
        self._keep_raw = raw
        self._raw: list[str] = []
        self.header: list[str] = []

    def _lines(self, f: Iterator[str]) -> Iterator[str]:
        for line in f:
            self._raw.append(line)
            yield line

    def __iter__(self) -> Iterator[tuple[int, str, list[str]]]:
        with self._path.open(newline="", encoding=ENCODING) as f:
            reader = csv.reader(self._lines(f) if self._keep_raw else f, strict=True)
            line = 1
            try:
                for record in reader:
                    raw, self._raw = "".join(self._raw), []
                    if not self.header:
                        self.header = record
                    elif record and not _empty(record):
                        yield line, raw, record
                    line = reader.line_num + 1
            except csv.Error as e:
                raise InvalidUpload(
                    f"Line {line}: the CSV record is malformed ({e}). Check the quotes: a "
                    "quoted field ends with a quote followed by a comma or a line break, and a "
                    'quote inside it is written twice ("").',
                    details=[{"line": line}],
                ) from e
            except UnicodeDecodeError as e:
                bad = _first_undecodable_line(self._path)
                raise InvalidUpload(
                    f"Line {bad}: the file is not UTF-8 text. Save it as UTF-8 CSV.",
                    details=[{"line": bad}],
                ) from e


def _first_undecodable_line(path: Path) -> int:
    """Text is decoded in blocks, so the error does not know its line; a line break is one
    byte in UTF-8 and never inside a character, so lines can be decoded one by one."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def check_csv(path: Path, *, max_rows: int | None = None) -> None:
    """Every record has as many fields as the header and every quote is closed, and there
    are at most `max_rows` records."""
    records = _Records(path)
    width: int | None = None
    for count, (line, _, record) in enumerate(records, start=1):
        if max_rows is not None and count > max_rows:
            raise _too_many_rows(max_rows)
        width = width if width is not None else len(records.header)
        if len(record) != width:
            raise InvalidUpload(
                f"Line {line} has {len(record)} fields; the header has {width}. "
                "Check quoting around commas and line breaks.",
                details=[{"line": line}],
            )
    if not records.header:
        raise InvalidUpload("The CSV file is empty: it needs a header line.")


def _too_many_rows(max_rows: int) -> InvalidUpload:
    return InvalidUpload(
        f"The file has more than {max_rows:,} rows, the upload limit (UPLOAD_MAX_ROWS). "
        "Split it into several loads.",
        details=[{"limit": "UPLOAD_MAX_ROWS", "max": max_rows}],
    )


def line_of_record(path: Path, index: int) -> int | None:
    """The first line of data record `index` (0-based, after the header)."""
    for i, (line, _, _) in enumerate(_Records(path)):
        if i == index:
            return line
    return None


def locate_problem(path: Path) -> InvalidUpload | None:
    """The first record with a quote inside an unquoted field, as an error; None if none."""
    for line, raw, _ in _Records(path, raw=True):
        if '"' in raw and _stray_quote(raw):
            return InvalidUpload(
                f"Line {line}: a quote appears inside a field that does not start with a "
                'quote. Put the field in quotes and write the inner quote twice ("").',
                details=[{"line": line}],
            )
    return None


def _stray_quote(raw: str) -> bool:
    """True when a `"` appears in a field that is not quoted (the record is well formed
    otherwise: `check_csv` passed)."""
    quoted, at_start = False, True
    i = 0
    while i < len(raw):
        c = raw[i]
        if quoted:
            if c == '"':
                if raw[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    quoted = False
        elif c == '"':
            if not at_start:
                return True
            quoted = True
        at_start = c in ",\r\n" and not quoted
        i += 1
    return False
