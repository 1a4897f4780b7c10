"""The warehouse folder as a dataset source.

Each `<key>.parquet` file and each `<key>/` folder holding Parquet files (at any depth, e.g.
hive partitions `load_type=DAILY/load_id=20240131/`) is dataset `<key>`. Names starting with
`.` or `_` are in-flight writes (written to a temp name, then renamed) and are ignored.

A folder holding `_delta_log/` is a Delta table instead (`backend.catalog.delta`): its
current version's files, never every file in the folder.

A scan walks the whole tree and stats every Parquet file: a few hundred files take about a
millisecond, so the catalog can afford it once a second. A dataset's version hashes its files'
(relative path, size, mtime_ns), so a new load, a removed partition or a replaced file all
change it. Row estimates come from Parquet footers, read once per file version.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from backend.catalog import delta
from backend.catalog.models import PartitionRows
from backend.catalog.sources import KEY_RE, SourceEntry, WarnOnce

_SUFFIX = ".parquet"


@dataclass(frozen=True)
class _File:
    path: Path
    size: int
    mtime_ns: int


def _stat(path: Path) -> _File | None:
    try:
        st = path.stat()
    except OSError:  # removed between listing and stat: the next scan sees the change
        return None
    return _File(path, st.st_size, st.st_mtime_ns)


def _folder_files(folder: Path) -> tuple[list[_File], bool]:
    """Every Parquet file under `folder` (what DuckDB's `**/*.parquet` reads), and whether
    any sub-folder is a hive partition (`name=value`)."""
    files: list[_File] = []
    hive = False
    for dirpath, dirnames, filenames in os.walk(folder):
        hive = hive or any("=" in d for d in dirnames)
        for name in filenames:
            if name.endswith(_SUFFIX):
                found = _stat(Path(dirpath) / name)
                if found is not None:
                    files.append(found)
    return files, hive


def _partition(base: Path, path: Path) -> tuple[tuple[str, str], ...]:
    """The hive partition of a file: its `key=value` folders below the dataset's folder."""
    if path == base:
        return ()
    folders = path.relative_to(base).parts[:-1]
    return tuple(tuple(p.split("=", 1)) for p in folders if "=" in p)  # type: ignore[misc]


def _version(base: Path, files: list[_File]) -> str:
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path):
        digest.update(f"{f.path.relative_to(base)}\t{f.size}\t{f.mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


class WarehouseSource:
    """Datasets from the files of one warehouse folder."""

    def __init__(self, warehouse_dir: Path) -> None:
        self.root = Path(warehouse_dir).resolve()
        self._warn = WarnOnce()
        self._rows: dict[_File, int | None] = {}
        self._rows_lock = threading.Lock()
        self.snapshots = delta.Snapshots()

    def scan(self) -> list[SourceEntry]:
        if not self.root.is_dir():
            return []
        found: dict[str, SourceEntry] = {}
        seen: set[_File] = set()
        for item in sorted(self.root.iterdir()):
            entry = self._entry(item, seen)
            if entry is None:
                continue
            if entry.key in found:  # `sales/` sorts before `sales.parquet`: the folder wins
                self._warn(item.name, f"dataset {entry.key!r} is already a folder")
                continue
            found[entry.key] = entry
        with self._rows_lock:  # forget the footers of files that are gone or replaced
            self._rows = {f: n for f, n in self._rows.items() if f in seen}
        return list(found.values())

    def _entry(self, item: Path, seen: set[_File]) -> SourceEntry | None:
        if item.name.startswith((".", "_")) or item.is_symlink():
            return None
        if item.is_dir() and delta.is_delta(item):
            return self._delta_entry(item)
        if item.is_dir():
            key = item.name
            files, hive = _folder_files(item)
        elif item.is_file() and item.name.endswith(_SUFFIX):
            key = item.name[: -len(_SUFFIX)]
            single = _stat(item)
            files, hive = ([single] if single else []), False
        else:
            return None
        if not files:
            return None
        if not KEY_RE.match(key):
            self._warn(item.name, "a dataset key is letters, digits and underscores")
            return None
        seen.update(files)
        return SourceEntry(
            key=key,
            relation=key,
            version=_version(self.root, files),
            path=item,
            hive=hive,
            row_estimate=self._row_estimate(files),
            partition_rows=self._partition_rows(item, files),
        )

    def _delta_entry(self, item: Path) -> SourceEntry | None:
        if not KEY_RE.match(item.name):
            self._warn(item.name, "a dataset key is letters, digits and underscores")
            return None
        snapshot = self.snapshots.current(item)
        if snapshot is None or not snapshot.files:
            return None
        return SourceEntry(
            key=item.name,
            relation=item.name,
            version=snapshot.tag,
            path=item,
            hive=bool(snapshot.partition_columns),
            row_estimate=snapshot.rows,
            partition_rows=snapshot.partition_rows,
            files=snapshot.files,
        )

    def _row_estimate(self, files: list[_File]) -> int | None:
        counts = [self._file_rows(f) for f in files]
        return None if any(c is None for c in counts) else sum(c for c in counts if c)

    def _partition_rows(self, base: Path, files: list[_File]) -> PartitionRows | None:
        """Rows per hive partition (`key=value` folders under `base`), for counts without a
        scan; None when a footer is unreadable."""
        rows: dict[tuple[tuple[str, str], ...], int] = {}
        for f in files:
            n = self._file_rows(f)
            if n is None:
                return None
            key = _partition(base, f.path)
            rows[key] = rows.get(key, 0) + n
        return tuple(sorted(rows.items()))

    def _file_rows(self, f: _File) -> int | None:
        with self._rows_lock:
            if f in self._rows:
                return self._rows[f]
        try:
            rows: int | None = pq.read_metadata(f.path).num_rows
        except (OSError, ValueError):  # a file still being written has no footer yet
            rows = None
        with self._rows_lock:
            self._rows[f] = rows
        return rows
