"""Materializations in the metadata store, read through a snapshot reloaded every few
seconds, so the query path never waits on the database and other processes (more API
workers, the export worker) see a new declaration or build within `reload_s`."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from backend.errors import Conflict, NotFound
from backend.materialize.models import MaterializationRow
from backend.materialize.schema import MaterializationIn
from backend.store.base import utcnow
from backend.store.engine import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """The current build: its Parquet file and the input versions it was made from."""

    path: str
    versions: dict[str, str]
    rows: int | None
    at: dt.datetime | None


@dataclass(frozen=True)
class Record:
    definition: MaterializationIn
    built: Built | None
    error: str | None


def _record(row: MaterializationRow) -> Record:
    definition = MaterializationIn.model_validate({**row.definition, "name": row.name})
    built = None
    if row.built_path is not None and row.built_versions is not None:
        versions = {str(k): str(v) for k, v in row.built_versions.items()}
        built = Built(row.built_path, versions, row.built_rows, row.built_at)
    return Record(definition, built, row.error)


class MaterializationStore:
    def __init__(self, store: Store, *, reload_s: float = 2.0) -> None:
        self._store = store
        self._reload_s = reload_s
        self._lock = threading.Lock()
        self._records: dict[str, Record] = {}
        self._loaded_at = float("-inf")
        self.reload()

    def all(self) -> dict[str, Record]:
        if time.monotonic() - self._loaded_at >= self._reload_s and self._lock.acquire(False):
            try:
                self._load()
            except SQLAlchemyError as e:  # keep the last snapshot
                log.warning("materializations not reloaded: %s", e)
                self._loaded_at = time.monotonic()
            finally:
                self._lock.release()
        return self._records

    def get(self, name: str) -> Record:
        found = self.all().get(name)
        if found is None:
            raise NotFound(f"Materialization '{name}' was not found.")
        return found

    def reload(self) -> None:
        with self._lock:
            self._load()

    def _load(self) -> None:
        with self._store.session() as session:
            rows = session.scalars(select(MaterializationRow)).all()
            self._records = {row.name: _record(row) for row in rows}
        self._loaded_at = time.monotonic()

    # --- writing --------------------------------------------------------------------------

    def create(self, definition: MaterializationIn, *, by: str) -> None:
        body = definition.model_dump(mode="json", exclude={"name"})
        try:
            with self._store.session() as session:
                session.add(
                    MaterializationRow(name=definition.name, definition=body, updated_by=by)
                )
        except IntegrityError as e:
            raise Conflict(f"Materialization '{definition.name}' already exists.") from e
        self.reload()

    def delete(self, name: str) -> Record:
        record = self.get(name)
        self._update(name, None, delete=True)
        return record

    def record_build(self, name: str, built: Built) -> None:
        values = {
            "built_path": built.path,
            "built_versions": built.versions,
            "built_rows": built.rows,
            "built_at": built.at or utcnow(),
            "error": None,
        }
        self._update(name, values)

    def record_error(self, name: str, error: str) -> None:
        self._update(name, {"error": error[:2000]})

    def _update(self, name: str, values: dict[str, Any] | None, *, delete: bool = False) -> None:
        with self._store.session() as session:
            row = session.get(MaterializationRow, name)
            if row is not None and delete:
                session.delete(row)
            elif row is not None and values is not None:
                for field, value in values.items():
                    setattr(row, field, value)
        self.reload()
