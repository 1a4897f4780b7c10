"""`write_export`: drives one writer over a stream of batches, with progress, cancel and an
all-or-nothing file.

The file is written as `<final>.part` (or a given temp name) in the same folder and renamed
with `os.replace` only when complete; on any error or cancel the part file is deleted, so a
half-written export can never be served.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyarrow as pa

from backend.exports.common import (
    BatchWriter,
    ExportCancelled,
    ExportFormat,
    ExportOptions,
    Pacer,
    part_path,
    scratch_dir,
)
from backend.exports.csv_writer import CsvWriter
from backend.exports.parquet_writer import ParquetWriter
from backend.exports.prefetch import prefetched
from backend.exports.xlsx_writer import XlsxWriter
from backend.query.context import OutputColumn


def _open(
    fmt: ExportFormat,
    path: Path,
    columns: Sequence[OutputColumn],
    options: ExportOptions,
    schema: pa.Schema,
) -> tuple[BatchWriter, int]:
    if fmt == "csv":
        return CsvWriter(path, columns, options), CsvWriter.chunk_rows
    if fmt == "xlsx":
        return XlsxWriter(path, columns, options), XlsxWriter.chunk_rows
    if fmt == "parquet":
        return ParquetWriter(path, columns, options, schema), ParquetWriter.chunk_rows
    raise ValueError(f"unknown export format {fmt!r}")


def fallback_schema(columns: Sequence[OutputColumn]) -> pa.Schema:
    """For a stream that ended before its first batch and named no schema: text columns."""
    return pa.schema([pa.field(c.name, pa.string()) for c in columns])


class _Run:
    """One export in progress: the lazily opened writer and the rows written so far."""

    def __init__(
        self,
        fmt: ExportFormat,
        path: Path,
        columns: Sequence[OutputColumn],
        options: ExportOptions,
        cancelled: Callable[[], bool],
        pacer: Pacer,
    ) -> None:
        self.fmt, self.path, self.columns, self.options = fmt, path, columns, options
        self.cancelled, self.pacer = cancelled, pacer
        self.writer: BatchWriter | None = None
        self.chunk_rows = 1
        self.rows = 0

    def open(self, schema: pa.Schema) -> BatchWriter:
        if self.writer is None:
            if len(schema) != len(self.columns):
                raise ValueError(f"{len(schema)} result columns for {len(self.columns)} named")
            self.writer, self.chunk_rows = _open(
                self.fmt, self.path, self.columns, self.options, schema
            )
        return self.writer

    def feed(self, batch: pa.RecordBatch) -> None:
        writer = self.open(batch.schema)
        for start in range(0, batch.num_rows, self.chunk_rows):
            if self.cancelled():
                raise ExportCancelled("export cancelled")
            chunk = batch.slice(start, self.chunk_rows)
            writer.write(chunk)
            self.rows += chunk.num_rows
            self.pacer.tick(self.rows)


def write_export(
    fmt: ExportFormat,
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[OutputColumn],
    final_path: Path,
    *,
    schema: pa.Schema | None = None,
    options: ExportOptions | None = None,
    on_progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    part: Path | None = None,
) -> int:
    """Write every batch to `final_path` in `fmt`; return the number of data rows.

    `columns` describe the batch columns by position (name, label, type, format).
    `should_cancel` is polled between chunks and should be cheap; `on_progress(rows)` is
    called at most every `options.progress_interval_s` and once at the end. `part` is the
    temp name (default `<final>.part`).
    """
    options = options or ExportOptions()
    part = part or part_path(final_path)
    part.unlink(missing_ok=True)  # a retried job starts over
    shutil.rmtree(scratch_dir(part), ignore_errors=True)
    run = _Run(
        fmt,
        part,
        columns,
        options,
        should_cancel or (lambda: False),
        Pacer(on_progress, options.progress_interval_s),
    )
    try:
        for batch in prefetched(batches) if options.prefetch else batches:
            run.feed(batch)
        if run.cancelled():
            raise ExportCancelled("export cancelled")
        run.open(schema or getattr(batches, "schema", None) or fallback_schema(columns)).close()
        os.replace(part, final_path)
    except BaseException:
        if run.writer is not None:
            run.writer.abort()
        part.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(scratch_dir(part), ignore_errors=True)
    run.pacer.flush(run.rows)
    return run.rows
