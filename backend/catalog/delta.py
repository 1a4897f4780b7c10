"""Delta Lake tables in the warehouse folder.

A folder holding `_delta_log/` is a Delta table (written by delta-rs, Spark, Databricks...).
Its data is exactly the files its log's version names, never every Parquet file in the
folder: a delete or an overwrite leaves the old files on disk until a vacuum. DuckDB reads a
version through a view over that file list, so no DuckDB extension is needed (none can be
downloaded here, and extensions stay disabled).

Scans run about once a second, so the current version is read from the log folder's file
names (one listdir); the table is opened only when that number moves. A version string
carries the table's id, so a table dropped and written again never reuses a cached result.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from backend.catalog.models import PartitionRows

LOG = "_delta_log"
_ENTRY = re.compile(r"^(\d{20})\.(json|checkpoint(\.\d+\.\d+)?\.parquet)$")
_KEPT = 64  # snapshots kept in memory: current versions plus a few time-travelled ones


def is_delta(folder: Path) -> bool:
    return (folder / LOG).is_dir()


def log_version(folder: Path) -> int | None:
    """The newest version the log names, from its file names alone; None when unreadable.

    >>> log_version(Path("/nonexistent"))
    """
    try:
        names = os.listdir(folder / LOG)
    except OSError:
        return None
    found = (_ENTRY.match(n) for n in names)
    return max((int(m.group(1)) for m in found if m), default=None)


@dataclass(frozen=True)
class Snapshot:
    """One version of a table: the files to read and what their metadata says."""

    table_id: str
    version: int
    files: tuple[Path, ...]
    partition_columns: tuple[str, ...]
    rows: int | None
    partition_rows: PartitionRows | None

    @property
    def tag(self) -> str:
        """The dataset version string: the table's id and its version number."""
        return f"delta-{self.table_id[:12]}-v{self.version}"


def _local(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)


def _partition_rows(adds: pa.Table, columns: tuple[str, ...]) -> PartitionRows | None:
    if "num_records" not in adds.column_names or adds.column("num_records").null_count:
        return None
    counts: dict[tuple[tuple[str, str], ...], int] = {}
    records = adds.column("num_records").to_pylist()
    values = [adds.column(f"partition.{c}").to_pylist() for c in columns]
    for i, n in enumerate(records):
        key = tuple(
            (c, "" if v[i] is None else str(v[i])) for c, v in zip(columns, values, strict=True)
        )
        counts[key] = counts.get(key, 0) + int(n)
    return tuple(sorted(counts.items()))


def open_snapshot(folder: Path, table: DeltaTable) -> Snapshot:
    columns = tuple(table.metadata().partition_columns)
    adds = pa.table(table.get_add_actions(flatten=True))
    partition_rows = _partition_rows(adds, columns)
    return Snapshot(
        table_id=str(table.metadata().id),
        version=table.version(),
        files=tuple(_local(u) for u in table.file_uris()),
        partition_columns=columns,
        rows=None if partition_rows is None else sum(n for _, n in partition_rows),
        partition_rows=partition_rows,
    )


#: Table property: the columns that identify a row, as a JSON list (`["order_id"]`), for a
#: table whose writer knows its key (the demo's sales). A dataset's `primary_key` setting
#: overrides it; either keys push merges and keeps rewrites cut by key ranges.
KEY_PROPERTY = "aurora.primaryKey"
_MAX_KEY_COLUMNS = 8


def declared_key(folder: Path) -> tuple[str, ...]:
    """The key the table's `KEY_PROPERTY` names; () without one, or when it is not a JSON
    list of 1-8 column names of the table.

    >>> declared_key(Path("/nonexistent"))
    ()
    """
    try:
        table = DeltaTable(str(folder))
        value = json.loads(table.metadata().configuration.get(KEY_PROPERTY) or "[]")
        names = set(table.schema().to_arrow().names)
    except (DeltaError, OSError, ValueError):
        return ()
    if not isinstance(value, list) or len(value) > _MAX_KEY_COLUMNS:
        return ()
    if not all(isinstance(c, str) and c in names for c in value):
        return ()
    return tuple(value)


# Commit metadata Aurora writes beside its own commits (delta-rs `CommitProperties`).
USER_KEY, LOAD_KEY = "aurora.user", "aurora.load_id"
#: Which rewrite of Aurora's a commit is (`aurora.operation`): a keyed Z-order
#: (`backend.lake.layout`) is committed as a WRITE of every row, delta-rs's own as an
#: OPTIMIZE; the history shows both as OPTIMIZE, with no row counts (the rows stay the same).
OPERATION_KEY, ZORDER = "aurora.operation", "zorder"
_SAME_ROWS = {ZORDER: "OPTIMIZE"}
_ADDED = ("num_added_rows", "num_target_rows_inserted")
_REMOVED = ("num_deleted_rows", "num_target_rows_deleted")
_UPDATED = ("num_updated_rows", "num_target_rows_updated")


@dataclass(frozen=True)
class Change:
    """One version in a table's history."""

    version: int
    timestamp: datetime
    operation: str
    user: str | None
    load_id: str | None
    rows_added: int | None
    rows_removed: int | None
    rows_updated: int | None


def _metric(metrics: dict[str, object], names: tuple[str, ...]) -> int | None:
    for name in names:
        value = metrics.get(name)
        if isinstance(value, int):
            return value
    return None


def _change(entry: dict[str, object]) -> Change:
    metrics = entry.get("operationMetrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    user, load = entry.get(USER_KEY), entry.get(LOAD_KEY)
    rewrite = _SAME_ROWS.get(str(entry.get(OPERATION_KEY)))
    if rewrite is not None:
        metrics = {}
    return Change(
        version=int(str(entry["version"])),
        timestamp=datetime.fromtimestamp(int(str(entry["timestamp"])) / 1000, tz=UTC),
        operation=rewrite or str(entry.get("operation") or "UNKNOWN"),
        user=None if user is None else str(user),
        load_id=None if load is None else str(load),
        rows_added=_metric(metrics, _ADDED),
        rows_removed=_metric(metrics, _REMOVED),
        rows_updated=_metric(metrics, _UPDATED),
    )


def history(folder: Path, limit: int | None = None) -> list[Change]:
    """The table's versions, newest first (the log's commit entries)."""
    try:
        entries = DeltaTable(str(folder)).history(limit)
    except DeltaError as e:
        raise ValueError(f"the table's log is unreadable: {e}") from e
    return sorted((_change(e) for e in entries), key=lambda c: -c.version)


class Snapshots:
    """Snapshots by (folder, version), opened once each; thread-safe."""

    def __init__(self) -> None:
        self._known: dict[tuple[Path, int], Snapshot] = {}
        self._lock = threading.Lock()

    def current(self, folder: Path) -> Snapshot | None:
        """The newest version, or None while the log is unreadable (e.g. mid-write)."""
        version = log_version(folder)
        if version is None:
            return None
        with self._lock:
            found = self._known.get((folder, version))
        if found is not None:
            return found
        try:
            return self._keep(folder, open_snapshot(folder, DeltaTable(str(folder))))
        except (DeltaError, OSError):
            return None

    def at(self, folder: Path, *, version: int | None, timestamp: datetime | None) -> Snapshot:
        """The version a time-travelling query asks for: `version`, or the newest committed
        at or before `timestamp`. ValueError when there is no such version (never vacuumed
        away silently: a version whose files are gone is an error too)."""
        table = DeltaTable(str(folder))
        wanted = version if version is not None else version_at(table, _aware(timestamp))
        with self._lock:
            found = self._known.get((folder, wanted))
        if found is not None:
            return found
        try:
            table.load_as_version(wanted)
        except DeltaError as e:
            raise ValueError(f"version {wanted} is not available") from e
        return self._keep(folder, open_snapshot(folder, table))

    def forget(self, key: str) -> None:
        """Forget the snapshots of the table in a folder named `key` (files were vacuumed)."""
        with self._lock:
            self._known = {k: v for k, v in self._known.items() if k[0].name != key}

    def _keep(self, folder: Path, snapshot: Snapshot) -> Snapshot:
        with self._lock:
            if len(self._known) >= _KEPT:
                self._known.pop(next(iter(self._known)))
            self._known[(folder, snapshot.version)] = snapshot
        return snapshot


def version_at(table: DeltaTable, when: datetime) -> int:
    """The newest version committed at or before `when`."""
    limit = when.timestamp() * 1000
    versions = [h["version"] for h in table.history() if h["timestamp"] <= limit]
    if not versions:
        raise ValueError(f"the table has no version at or before {when.isoformat()}")
    return int(max(versions))


def _aware(timestamp: datetime | None) -> datetime:
    if timestamp is None:
        raise ValueError("as_of needs a version or a timestamp")
    return timestamp if timestamp.tzinfo is not None else timestamp.astimezone()
