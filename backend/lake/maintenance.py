"""Maintenance of a Delta dataset: compaction ("optimize") and vacuum.

Optimize rewrites the current version's small files into few large ones, as one new
version with the same rows (delta-rs `optimize.compact`); the replaced files stay on disk for
older versions until a vacuum. Vacuum deletes the files no version younger than the
retention names, then cuts the log to a checkpoint, so the removed versions' log entries
(whose file statistics can hold a value's min or max) go too. After an erase kept its
superseded files (`ERASE_RETENTION_HOURS` > 0), a vacuum past that retention is what removes
the erased rows from the disk for good.

Z-order (optimize with `zorder`) rewrites each partition's files sorted along a Z-curve of a
few columns, so rows with near values of those columns share files and row groups, and a
filter on them skips the rest by their min/max statistics. The admin route picks the columns
the indexing advice names most (the audit log's filter and join counts). Row groups of
122,880 rows, as the demo writes them: delta-rs's default (about 1M rows) would leave too
few row groups per file for the statistics to skip much.

A table whose files are cut by key ranges on purpose, so that a push merge rewrites few rows
(the demo's sales, `backend.demo.build.sales_ranges`), names the size compaction may pack
files up to (`COMPACT_TARGET`): with delta-rs's default (100 MB) a compaction packed each of
the demo's loads into one file, and a merge of the newest 10,000 orders then rewrote all
10M rows (8.6 s, against 0.4 s at 1 MB).

Each run reports the files and bytes before and after: the version's data files for
optimize, the data files on disk for vacuum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import CommitFailedError

from backend.catalog.delta import LOG, OPERATION_KEY, USER_KEY, ZORDER
from backend.errors import BadRequest, Conflict
from backend.lake import layout
from backend.lake.layout import COMPACT_TARGET, compact_target
from backend.parquet_codec import writer_properties

_LOG_RETENTION = "delta.logRetentionDuration"
ZORDER_MAX_COLUMNS = 3  # a Z-curve of more columns clusters each of them too little
_ROW_GROUP_ROWS = layout.ROW_GROUP_ROWS


@dataclass(frozen=True)
class Report:
    version: int
    files_before: int
    bytes_before: int
    files_after: int
    bytes_after: int
    zorder: tuple[str, ...] = ()


def _version_files(table: DeltaTable) -> tuple[int, int]:
    adds = pa.table(table.get_add_actions(flatten=True))
    return adds.num_rows, int(sum(adds.column("size_bytes").to_pylist()) if adds.num_rows else 0)


def disk_files(folder: Path) -> tuple[int, int]:
    """Data files on disk, whichever version names them (not the log)."""
    found = [p for p in folder.rglob("*.parquet") if LOG not in p.relative_to(folder).parts]
    return len(found), sum(p.stat().st_size for p in found)


def set_compact_target(folder: Path, size: int, *, user: str) -> None:
    """Compactions of the table pack files up to `size` bytes (one new version)."""
    commit = CommitProperties(custom_metadata={USER_KEY: user})
    # delta-rs refuses a key it does not know when creating a table, not when altering one
    DeltaTable(str(folder)).alter.set_table_properties(
        {COMPACT_TARGET: str(size)}, raise_if_not_exists=False, commit_properties=commit
    )


def optimize(folder: Path, *, user: str, target_size: int | None = None) -> Report:
    """Compact the current version's files into a new version with the same rows: files up
    to `target_size`, else the table's COMPACT_TARGET, else delta-rs's default."""
    table = DeltaTable(str(folder))
    before = _version_files(table)
    commit = CommitProperties(custom_metadata={USER_KEY: user})
    target = target_size or compact_target(table)
    try:
        table.optimize.compact(
            target_size=target,
            writer_properties=writer_properties(_ROW_GROUP_ROWS),
            commit_properties=commit,
        )
    except CommitFailedError as e:
        raise Conflict("The dataset changed while compacting; run it again.") from e
    table = DeltaTable(str(folder))
    return Report(table.version(), *before, *_version_files(table))


def partition_columns(folder: Path) -> tuple[str, ...]:
    return tuple(DeltaTable(str(folder)).metadata().partition_columns)


def zorder(folder: Path, columns: Sequence[str], *, user: str, key: Sequence[str] = ()) -> Report:
    """Rewrite each partition's files Z-ordered on `columns` (not partition columns), as
    one new version with the same rows. A table cut by `key` ranges (a key, and a
    compaction target) keeps each partition's newest keys apart (`layout.zorder_sql`)."""
    table = DeltaTable(str(folder))
    if not columns or set(columns) & set(table.metadata().partition_columns):
        raise BadRequest("Z-order needs one or more columns that are not partition columns.")
    before = _version_files(table)
    commit = CommitProperties(custom_metadata={USER_KEY: user, OPERATION_KEY: ZORDER})
    writer = writer_properties(_ROW_GROUP_ROWS)
    try:
        if key and layout.file_bytes(table):
            layout.zorder_rewrite(folder, table, columns, key, writer=writer, commit=commit)
        else:
            table.optimize.z_order(
                list(columns), writer_properties=writer, commit_properties=commit
            )
    except CommitFailedError as e:
        raise Conflict("The dataset changed while z-ordering; run it again.") from e
    table = DeltaTable(str(folder))
    return Report(table.version(), *before, *_version_files(table), zorder=tuple(columns))


def vacuum(folder: Path, *, retention_hours: float, user: str) -> Report:
    """Delete the files no version younger than `retention_hours` names, and the log of
    the versions older than that (kept back to a checkpoint of the current version)."""
    before = disk_files(folder)
    table = DeltaTable(str(folder))
    commit = CommitProperties(custom_metadata={USER_KEY: user})
    table.vacuum(
        retention_hours=int(retention_hours),
        enforce_retention_duration=False,
        dry_run=False,
        commit_properties=commit,
    )
    _cut_log(folder, retention_hours)
    return Report(DeltaTable(str(folder)).version(), *before, *disk_files(folder))


def _cut_log(folder: Path, retention_hours: float) -> None:
    """Checkpoint now, then drop the log entries older than the retention (cleanup keeps
    everything from the newest checkpoint on). The table's own log retention comes back."""
    table = DeltaTable(str(folder))
    previous = table.metadata().configuration.get(_LOG_RETENTION)
    seconds = int(retention_hours * 3600)
    table.alter.set_table_properties({_LOG_RETENTION: f"interval {seconds} seconds"})
    table = DeltaTable(str(folder))
    table.create_checkpoint()
    table.cleanup_metadata()
    table.alter.set_table_properties({_LOG_RETENTION: previous or "interval 30 days"})
