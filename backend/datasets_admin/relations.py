"""Datasets registered from an existing relation of the active database, as a catalog source.

`RegisteredRelations` wraps the catalog's own source and adds, for each `relation` entry of
the settings, the dataset `key` over that relation. On DuckDB the relation is another
dataset's view, so the registered dataset shares its version (a new load is seen by both).
"""

from __future__ import annotations

from adapters.base import DatabaseAdapter
from backend.catalog.sources import DatasetSource, SourceEntry
from backend.datasets_admin.settings_store import SettingsStore


class RegisteredRelations:
    def __init__(
        self, base: DatasetSource, adapter: DatabaseAdapter, settings: SettingsStore
    ) -> None:
        self._base, self._adapter, self._settings = base, adapter, settings

    def scan(self) -> list[SourceEntry]:
        entries = self._base.scan()
        keys = {e.key for e in entries}
        by_relation = {e.relation: e for e in entries}
        registered = [
            e
            for e in self._settings.all().values()
            if e.source == "relation" and e.relation and e.key not in keys
        ]
        known = set(self._adapter.relations()) if registered else set()
        for entry in registered:
            assert entry.relation is not None
            found = by_relation.get(entry.relation)
            if found is not None:
                entries.append(
                    SourceEntry(
                        key=entry.key,
                        relation=found.relation,
                        version=found.version,
                        row_estimate=found.row_estimate,
                    )
                )
            elif entry.relation in known:
                entries.append(SourceEntry(entry.key, entry.relation, version="static"))
        return entries
