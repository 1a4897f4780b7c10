"""Dataset settings in the metadata store, read through an in-memory snapshot.

The catalog overlay and the access rules read settings on every catalog read, so they never
touch the database: they read the snapshot. A write here reloads it at once; other processes
(the export worker, more API workers) pick changes up within `reload_s`, when the first read
after that interval reloads (without blocking other readers, who keep the old snapshot).
`generation` changes only when the content does, so callers can memoize on it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from backend.datasets_admin.models import DatasetSettingsRow
from backend.datasets_admin.schema import DatasetSettings
from backend.store.engine import Store

log = logging.getLogger(__name__)

Source = Literal["upload", "relation", "discovered"]


@dataclass(frozen=True)
class Entry:
    key: str
    source: Source
    relation: str | None
    settings: DatasetSettings


def _entry(row: DatasetSettingsRow) -> Entry:
    source: Source = row.source if row.source in ("upload", "relation") else "discovered"  # type: ignore[assignment]
    return Entry(row.key, source, row.relation, DatasetSettings.model_validate(row.settings))


class SettingsStore:
    def __init__(self, store: Store, *, reload_s: float = 2.0) -> None:
        self._store = store
        self._reload_s = reload_s
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._loaded_at = float("-inf")
        self.generation = 0
        self.reload()

    # --- reading --------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        self._reload_if_due()
        return self._entries.get(key)

    def all(self) -> dict[str, Entry]:
        self._reload_if_due()
        return dict(self._entries)

    def _reload_if_due(self) -> None:
        if time.monotonic() - self._loaded_at < self._reload_s:
            return
        if self._lock.acquire(blocking=False):
            try:
                self._load()
            except SQLAlchemyError as e:  # keep the last known settings, RLS included
                log.warning("dataset settings not reloaded: %s", e)
                self._loaded_at = time.monotonic()
            finally:
                self._lock.release()

    def reload(self) -> None:
        with self._lock:
            self._load()

    def _load(self) -> None:
        with self._store.session() as session:
            rows = session.scalars(select(DatasetSettingsRow)).all()
            entries = {row.key: _entry(row) for row in rows}
        if entries != self._entries:
            self._entries = entries
            self.generation += 1
        self._loaded_at = time.monotonic()

    # --- writing --------------------------------------------------------------------------

    def put(self, entry: Entry, *, by: str) -> None:
        """Create or replace the row of `entry.key`, then reload."""
        try:
            self._write(entry, by)
        except IntegrityError:  # created meanwhile by another request: now it is an update
            self._write(entry, by)
        self.reload()

    def _write(self, entry: Entry, by: str) -> None:
        with self._store.session() as session:
            row = session.get(DatasetSettingsRow, entry.key)
            if row is None:
                row = DatasetSettingsRow(key=entry.key)
                session.add(row)
            row.source, row.relation = entry.source, entry.relation
            row.settings = entry.settings.model_dump(mode="json")
            row.updated_by = by

    def remove(self, key: str) -> None:
        with self._store.session() as session:
            row = session.get(DatasetSettingsRow, key)
            if row is not None:
                session.delete(row)
        self.reload()
