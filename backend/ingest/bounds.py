"""How big an upload really is, found before it is read whole.

The upload limit counts bytes on the wire. An XLSX file is a zip: 1 MB of it can unpack to
hundreds of MB of sheet XML, which the reader holds in memory. So a workbook is inflated
here once, chunk by chunk, counting the bytes it really unpacks to (a zip entry's declared
size is the sender's word, so it only refuses early) and the rows of each sheet, and is
refused past `UPLOAD_MAX_UNCOMPRESSED_MB` (413) or `UPLOAD_MAX_ROWS` (422). A Parquet file
states its rows in its footer; a CSV file's rows are counted by `check_csv` as it walks
them, and its size is the upload limit's.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow.parquet as pq

from backend.config import Settings
from backend.errors import InvalidUpload, PayloadTooLarge

CHUNK = 1 << 20
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
# `<row ...>` in a sheet, with or without a namespace prefix; never longer than _OVERLAP.
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?row[\s>/]")
_OVERLAP = 40
_SHEET = re.compile(r"(?:^|/)worksheets/[^/]+\.xml$")


@dataclass(frozen=True)
class UploadLimits:
    max_uncompressed_bytes: int
    max_rows: int

    @classmethod
    def of(cls, settings: Settings) -> UploadLimits:
        return cls(settings.upload_max_uncompressed_mb * 2**20, settings.upload_max_rows)

    def too_many_rows(self, rows: int) -> InvalidUpload:
        return InvalidUpload(
            f"The file has more than {self.max_rows:,} rows, the upload limit "
            "(UPLOAD_MAX_ROWS). Split it into several loads.",
            details=[{"limit": "UPLOAD_MAX_ROWS", "max": self.max_rows, "rows": rows}],
        )

    def too_large(self, size: int) -> PayloadTooLarge:
        mb = self.max_uncompressed_bytes // 2**20
        return PayloadTooLarge(
            f"The workbook unpacks to more than {mb} MB, the limit for unpacked uploads "
            "(UPLOAD_MAX_UNCOMPRESSED_MB). Save it as CSV, or split it.",
            details=[{"limit": "UPLOAD_MAX_UNCOMPRESSED_MB", "max_mb": mb, "bytes": size}],
        )


def check_bounds(path: Path, fmt: str, limits: UploadLimits) -> None:
    """Refuse a file over `limits` before anything reads it whole (CSV: see `check_csv`)."""
    if fmt == "xlsx":
        _check_xlsx(path, limits)
    elif fmt == "parquet":
        try:
            rows = pq.read_metadata(path).num_rows
        except Exception as e:  # pyarrow's errors share no base class
            raise InvalidUpload(f"The file is not a readable Parquet file: {e}") from e
        if rows > limits.max_rows:
            raise limits.too_many_rows(rows)


def _check_xlsx(path: Path, limits: UploadLimits) -> None:
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
            entries = archive.infolist()
            declared = sum(e.file_size for e in entries)
            if declared > limits.max_uncompressed_bytes:
                raise limits.too_large(declared)
            unpacked = 0
            for entry in entries:
                counter = _RowCounter() if _SHEET.search(entry.filename) else None
                for chunk in _inflate(raw, entry):
                    unpacked += len(chunk)
                    if unpacked > limits.max_uncompressed_bytes:
                        raise limits.too_large(unpacked)
                    rows = counter.feed(chunk) if counter is not None else 0
                    if rows > limits.max_rows + 1:  # the header row is no data row
                        raise limits.too_many_rows(rows - 1)
    except (zipfile.BadZipFile, zlib.error, struct.error, OSError) as e:
        raise InvalidUpload(f"The file is not a readable XLSX workbook: {e}") from e


def _inflate(raw: IO[bytes], entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes as they really unpack, whatever its header says."""
    raw.seek(entry.header_offset)
    header = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if header[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {entry.filename!r}")
    raw.seek(header[9] + header[10], 1)  # the file name and extra field
    left = entry.compress_size
    if entry.compress_type == zipfile.ZIP_STORED:
        while left > 0 and (chunk := raw.read(min(CHUNK, left))):
            left -= len(chunk)
            yield chunk
        return
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise zipfile.BadZipFile(f"{entry.filename!r} uses a compression Excel does not write")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    while left > 0 and (data := raw.read(min(CHUNK, left))):
        left -= len(data)
        while data:  # max_length bounds each step's output, however dense the input
            yield inflater.decompress(data, CHUNK)
            data = inflater.unconsumed_tail
    while rest := inflater.decompress(b"", CHUNK):  # output still held back by max_length
        yield rest


class _RowCounter:
    """Counts `<row>` elements across chunks: a match is counted once, in the chunk where it
    starts, and the last `_OVERLAP` bytes wait for the next chunk.

    >>> counter = _RowCounter()
    >>> counter.feed(b'<sheetData><row r="1"/><r'), counter.feed(b'ow r="2"><c/></row><rowBreaks/>')
    (1, 2)
    """

    def __init__(self) -> None:
        self.rows, self._carry = 0, b""

    def feed(self, chunk: bytes) -> int:
        text = self._carry + chunk
        cut = max(0, len(text) - _OVERLAP)
        self.rows += sum(1 for m in _ROW.finditer(text) if m.start() < cut)
        self._carry = text[cut:]
        return self.rows + len(_ROW.findall(self._carry))
