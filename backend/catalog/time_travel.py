"""Past versions of Delta datasets as views, registered when a query asks for one.

A version is immutable, so its view is named after the table's id and the version number
and never re-registered; the newest `max_views` are kept (a query on an evicted one finds it
registered again on its next compile). The dataset keeps its current columns, labels and
rules: time travel changes which rows are read, never who may read them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from backend.catalog import delta
from backend.catalog.models import Dataset
from backend.catalog.sources import ParquetViews
from backend.errors import BadRequest


def view_name(key: str, snapshot: delta.Snapshot) -> str:
    """The view of one version: immutable, so named once for good.

    >>> view_name("sales", delta.Snapshot("ab-cd-ef", 3, (), (), None, None))
    'sales__v3_abcdef'
    """
    return f"{key}__v{snapshot.version}_{snapshot.table_id.replace('-', '')[:12]}"


class TimeTravel:
    def __init__(self, views: ParquetViews, max_views: int = 32) -> None:
        self._views, self._snapshots = views, delta.Snapshots()
        self._max = max_views
        self._registered: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def dataset(
        self, current: Dataset, folder: Path, *, version: int | None, timestamp: datetime | None
    ) -> Dataset:
        """`current` (as its caller may see it) reading the asked version of the Delta table
        in `folder`."""
        try:
            snapshot = self._snapshots.at(folder, version=version, timestamp=timestamp)
        except ValueError as e:
            raise BadRequest(f"Dataset '{current.key}': {e}.") from e
        if not snapshot.files:
            raise BadRequest(f"Dataset '{current.key}' has no rows at version {snapshot.version}.")
        name = view_name(current.key, snapshot)
        self._register(name, folder, snapshot)
        return replace(
            current,
            relation=name,
            version=snapshot.tag,
            row_estimate=snapshot.rows,
            partition_rows=snapshot.partition_rows,
        )

    def history(self, current: Dataset, folder: Path, limit: int) -> list[delta.Change]:
        try:
            return delta.history(folder, limit)
        except ValueError as e:
            raise BadRequest(f"Dataset '{current.key}': {e}.") from e

    def forget(self, key: str) -> None:
        with self._lock:
            for name in [n for n in self._registered if n.startswith(f"{key}__v")]:
                del self._registered[name]
                self._views.unregister(name)
        self._snapshots.forget(key)

    def _register(self, name: str, folder: Path, snapshot: delta.Snapshot) -> None:
        with self._lock:
            if name in self._registered:
                self._registered.move_to_end(name)
                return
            hive = bool(snapshot.partition_columns)
            self._views.register_parquet(name, folder, hive=hive, files=snapshot.files)
            self._registered[name] = None
            while len(self._registered) > self._max:
                old, _ = self._registered.popitem(last=False)
                self._views.unregister(old)


def travelled(
    catalog: object, dataset: Dataset, *, version: int | None, timestamp: datetime | None, own: bool
) -> Dataset:
    """`dataset` as a time-travelling spec reads it. A version number is the spec's `own`
    dataset's; a timestamp applies to every versioned dataset it reads, and a joined dataset
    without versions is read as it is now."""
    as_of = getattr(catalog, "as_of", None)
    if as_of is None:
        raise BadRequest(f"Dataset '{dataset.key}' has no versions.")
    if version is not None:
        return as_of(dataset, version=version, timestamp=None) if own else dataset
    if not own and not getattr(catalog, "has_versions", lambda _k: False)(dataset.key):
        return dataset
    return as_of(dataset, version=None, timestamp=timestamp)  # type: ignore[no-any-return]
