"""What every export writer shares: options, errors, the temp-file name, progress pacing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import pyarrow as pa

ExportFormat = Literal["csv", "xlsx", "parquet"]

# "pdf" is a dashboard's only (backend.dashboards.delivery); no query writer makes one.
EXTENSIONS: dict[str, str] = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet", "pdf": ".pdf"}
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "pdf": "application/pdf",
}

# Excel's last row index is 1,048,575; row 0 holds the header, so this many data rows fit.
XLSX_MAX_DATA_ROWS = 1_048_575


class ExportCancelled(Exception):
    """The caller asked to stop; the partial file has been removed."""


class ExportWriteError(Exception):
    """A value could not be written faithfully (e.g. text past Excel's cell limit)."""


@dataclass(frozen=True)
class ExportOptions:
    """Knobs of the writers. `rows_per_sheet` is lowered only by tests to prove the split."""

    bom: bool = False
    rows_per_sheet: int = XLSX_MAX_DATA_ROWS
    row_group_rows: int = 122_880
    progress_interval_s: float = 0.5
    prefetch: bool = True  # read the next batches while writing (see `prefetch`)


class BatchWriter(Protocol):
    """One open output file. `write` takes batches already cut to `chunk_rows` rows."""

    def write(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None:
        """Finish the file; only called after every batch was written."""
        ...

    def abort(self) -> None:
        """Release handles after a failure; the caller deletes the file."""
        ...


def part_path(final: Path) -> Path:
    """The temp name a file is written under until it is complete: same folder, so the
    final `os.replace` is atomic, and a name the download route never serves."""
    return final.with_name(final.name + ".part")


def scratch_dir(part: Path) -> Path:
    """A folder of the writer's own temp files (xlsxwriter's row files), beside the part
    file, so a retry or the sweep can remove what a killed worker left behind."""
    return part.with_name(part.name + ".tmp")


class Pacer:
    """Calls `on_progress` at most every `interval_s` (and always on `flush`), so callers that
    write to a store or Redis are not flooded, while staying well under one second."""

    def __init__(self, on_progress: Callable[[int], None] | None, interval_s: float) -> None:
        self._on_progress = on_progress
        self._interval = interval_s
        self._last = time.monotonic()

    def tick(self, rows: int) -> None:
        now = time.monotonic()
        if self._on_progress is not None and now - self._last >= self._interval:
            self._last = now
            self._on_progress(rows)

    def flush(self, rows: int) -> None:
        if self._on_progress is not None:
            self._on_progress(rows)
