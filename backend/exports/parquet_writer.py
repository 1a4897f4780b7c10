"""Parquet through pyarrow's ParquetWriter: column names as in the query, Arrow types kept
exactly (decimals stay decimals), one row group per `row_group_rows` rows. Labels and formats
travel in the file's key-value metadata under `aurora.columns`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from backend.exports.common import ExportOptions
from backend.query.context import OutputColumn

CHUNK_ROWS = 65_536


def _schema(schema: pa.Schema, columns: Sequence[OutputColumn]) -> pa.Schema:
    names = [c.name for c in columns]
    meta = [{"name": c.name, "label": c.label, "format": c.format} for c in columns]
    renamed = pa.schema([f.with_name(n) for f, n in zip(schema, names, strict=True)])
    return renamed.with_metadata({"aurora.columns": json.dumps(meta)})


class ParquetWriter:
    chunk_rows = CHUNK_ROWS

    def __init__(
        self,
        path: Path,
        columns: Sequence[OutputColumn],
        options: ExportOptions,
        schema: pa.Schema,
    ) -> None:
        self._schema = _schema(schema, columns)
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="snappy")
        self._group_rows = options.row_group_rows
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        batch = pa.RecordBatch.from_arrays(batch.columns, schema=self._schema)
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= self._group_rows:
            self._flush(final=False)

    def close(self) -> None:
        self._flush(final=True)
        self._writer.close()

    def abort(self) -> None:
        self._writer.close()

    def _flush(self, *, final: bool) -> None:
        """Write whole row groups; keep the remainder pending unless this is the end."""
        table = pa.Table.from_batches(self._pending, schema=self._schema)
        while table.num_rows >= self._group_rows or (final and table.num_rows):
            group = table.slice(0, self._group_rows)
            self._writer.write_table(group, row_group_size=self._group_rows)
            table = table.slice(group.num_rows)
        self._pending, self._pending_rows = table.to_batches(), table.num_rows
