"""Where the catalog learns which datasets exist: a pluggable source with one method, `scan()`.

The warehouse folder is the source for DuckDB (`backend.catalog.warehouse`); for a database
whose datasets are its own tables and views, `RelationsSource` lists `adapter.relations()`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from adapters.base import DatabaseAdapter
from backend.catalog.models import PartitionRows

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class WarnOnce:
    """Sources scan every second; say each skipped name once, not every time."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, name: str, reason: str) -> None:
        if name not in self._seen:
            self._seen.add(name)
            log.warning("skipping %r: %s", name, reason)


@dataclass(frozen=True)
class SourceEntry:
    """One dataset as a source sees it. `path` is set when the adapter must register a view
    over Parquet data (`hive` then says whether the folder has `key=value` partitions, and
    `files`, when set, are the only files to read: a Delta table's current version);
    `version` changes whenever the data does."""

    key: str
    relation: str
    version: str
    path: Path | None = None
    hive: bool = False
    row_estimate: int | None = None
    partition_rows: PartitionRows | None = None
    files: tuple[Path, ...] | None = None


class DatasetSource(Protocol):
    def scan(self) -> list[SourceEntry]:
        """Every dataset that exists now. Called often (about once a second), so cheap."""
        ...


@runtime_checkable
class ParquetViews(Protocol):
    """Adapters that serve Parquet files through views (DuckDB)."""

    def register_parquet(
        self, name: str, path: Path, *, hive: bool, files: Sequence[Path] | None = None
    ) -> None: ...

    def unregister(self, name: str) -> None: ...


class RelationsSource:
    """The adapter's own tables and views, one dataset each. Their version is constant: this
    source cannot see data change, so a changed table is re-described only after a restart."""

    def __init__(self, adapter: DatabaseAdapter) -> None:
        self._adapter = adapter
        self._warn = WarnOnce()

    def scan(self) -> list[SourceEntry]:
        entries = []
        for relation in self._adapter.relations():
            if not KEY_RE.match(relation):
                self._warn(relation, "not a valid dataset key")
                continue
            entries.append(SourceEntry(key=relation, relation=relation, version="static"))
        return entries
