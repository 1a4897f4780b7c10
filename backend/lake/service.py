"""Erase as the admin route uses it: the catalog finds the table and its version's view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deltalake import DeltaTable
from sqlglot import exp

from backend.errors import Conflict
from backend.lake import erase
from backend.lake.erase import Erased, forget_history, unfinished
from backend.query.spec import FilterGroup


class Lake:
    def __init__(self, catalog: Any, adapter: Any, retention_hours: float) -> None:
        self._catalog, self._adapter, self._retention = catalog, adapter, retention_hours

    def preview(self, key: str, filters: FilterGroup) -> erase.Preview:
        """Rows the filter matches in the current version, per partition (load)."""
        return self._read(key, filters).seen

    def erase(
        self,
        key: str,
        filters: FilterGroup,
        expected_rows: int,
        user: str,
        primary_key: tuple[str, ...] = (),
    ) -> erase.Erased:
        """Erase what a preview showed; Conflict when the data moved since (preview again).
        The partitions rewritten are cut by `primary_key` ranges (`backend.lake.layout`)."""
        read = self._read(key, filters)
        if read.seen.rows != expected_rows:
            raise Conflict(
                f"The filter now matches {read.seen.rows:,} rows, not the {expected_rows:,} "
                "previewed; preview again."
            )
        if read.seen.rows == 0:  # nothing left to delete; finish an erase stopped midway
            return self._finish(key, read)
        try:
            return erase.apply(
                self._adapter.run,
                read.relation,
                read.folder,
                read.where,
                read.seen,
                user=user,
                retention_hours=self._retention,
                key=primary_key,
            )
        finally:  # whatever happened on disk, no view may keep naming vacuumed files
            self._catalog.forget_versions(key)
            self._catalog.refresh()

    def _finish(self, key: str, read: _Read) -> Erased:
        """Erase again after an erase was killed between its commit and its vacuum: the
        rows are gone from the current version, so vacuum and cut the log now."""
        if self._retention != 0 or not unfinished(read.folder):
            return Erased(0, read.seen.version, 0)
        try:
            vacuumed = forget_history(read.folder, 0)
        finally:
            self._catalog.forget_versions(key)
            self._catalog.refresh()
        return Erased(0, read.seen.version, vacuumed)

    def _read(self, key: str, filters: FilterGroup) -> _Read:
        """The current version's view, the filter's predicate and the rows it matches: what
        the preview shows and the erase then rewrites, resolved once."""
        dataset = self._catalog.get(key)
        folder = erase.check_delta(self._catalog.versioned_folder(key), key)
        table = DeltaTable(str(folder))
        version = table.version()
        at = self._catalog.as_of(dataset, version=version, timestamp=None)
        where = erase.predicate(dataset, filters)
        parts = list(table.metadata().partition_columns)
        seen = erase.preview(self._adapter.run, at.relation, version, where, parts)
        return _Read(folder, at.relation, where, seen)


@dataclass(frozen=True)
class _Read:
    folder: Path
    relation: str
    where: exp.Expr
    seen: erase.Preview
