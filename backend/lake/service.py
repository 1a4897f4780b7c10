"""Erase as the admin route uses it: the catalog finds the table and its version's view."""

from __future__ import annotations

from typing import Any

from deltalake import DeltaTable

from backend.errors import Conflict
from backend.lake import erase
from backend.query.spec import FilterGroup


class Lake:
    def __init__(self, catalog: Any, adapter: Any, retention_hours: float) -> None:
        self._catalog, self._adapter, self._retention = catalog, adapter, retention_hours

    def preview(self, key: str, filters: FilterGroup) -> erase.Preview:
        """Rows the filter matches in the current version, per partition (load)."""
        dataset = self._catalog.get(key)
        folder = erase.check_delta(self._catalog.versioned_folder(key), key)
        table = DeltaTable(str(folder))
        version = table.version()
        at = self._catalog.as_of(dataset, version=version, timestamp=None)
        where = erase.predicate(dataset, filters)
        parts = list(table.metadata().partition_columns)
        return erase.preview(self._adapter.run, at.relation, version, where, parts)

    def erase(self, key: str, filters: FilterGroup, expected_rows: int, user: str) -> erase.Erased:
        """Erase what a preview showed; Conflict when the data moved since (preview again)."""
        seen = self.preview(key, filters)
        if seen.rows != expected_rows:
            raise Conflict(
                f"The filter now matches {seen.rows:,} rows, not the {expected_rows:,} previewed; "
                "preview again."
            )
        if seen.rows == 0:
            return erase.Erased(0, seen.version, 0)
        dataset = self._catalog.get(key)
        folder = erase.check_delta(self._catalog.versioned_folder(key), key)
        at = self._catalog.as_of(dataset, version=seen.version, timestamp=None)
        where = erase.predicate(dataset, filters)
        try:
            return erase.apply(
                self._adapter.run,
                at.relation,
                folder,
                where,
                seen,
                user=user,
                retention_hours=self._retention,
            )
        finally:  # whatever happened on disk, no view may keep naming vacuumed files
            self._catalog.forget_versions(key)
            self._catalog.refresh()
