"""Building a materialization on DuckDB: the join streamed into one Parquet file.

Files go to `<warehouse>/_materialized/` (the catalog ignores `_` names, so the result is
never a dataset of its own that would bypass its inputs' row-level security), written to a
dot-named temp file and renamed into place, so a reader never sees half a file. Each build
has its own file and view name; the previous one is kept for processes that have not yet
seen the new build, older ones are removed.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyarrow.parquet as pq

from adapters.base import DatabaseAdapter
from backend.materialize.layout import Layout
from backend.parquet_codec import ARROW_CODEC

FOLDER = "_materialized"


def build_parquet(adapter: DatabaseAdapter, layout: Layout, folder: Path, token: str) -> Path:
    """Run the layout's join and write it to `<folder>/<name>-<token>.parquet`."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{layout.name}-{token}.parquet"
    tmp = folder / f".{layout.name}-{token}.parquet.tmp"
    writer: pq.ParquetWriter | None = None
    try:
        for batch in adapter.stream(layout.select):
            if writer is None:
                writer = pq.ParquetWriter(tmp, batch.schema, compression=ARROW_CODEC)
            writer.write_batch(batch)
        if writer is None:  # no rows at all: still a file, with the columns
            pq.write_table(adapter.run(layout.select.limit(0)), tmp)
        else:
            writer.close()
            writer = None
        os.replace(tmp, final)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return final


def view_name(path: Path) -> str:
    """The DuckDB view over one build: `_mat_<name>_<token>` (no dataset key starts so)."""
    return "_mat_" + re.sub(r"[^A-Za-z0-9_]", "_", path.stem)


def remove_old_builds(
    folder: Path, name: str, keep: set[Path], *, grace_s: float = 600.0
) -> list[Path]:
    """Delete the builds of `name` not in `keep` and older than `grace_s` (another process
    may have just built one and not yet recorded it); returns what was deleted."""
    removed = []
    now = time.time()
    for path in folder.glob(f"{name}-*.parquet"):
        try:
            young = now - path.stat().st_mtime < grace_s
        except OSError:  # removed meanwhile
            continue
        if path.resolve() not in keep and not young:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def row_count(path: Path) -> int | None:
    """Rows of a Parquet file, from its footer."""
    try:
        return int(pq.read_metadata(path).num_rows)
    except (OSError, ValueError):
        return None
