"""The catalog: which datasets exist, their columns, vintage columns and load options.

It scans its source at start, again when a read finds the last scan older than about a
second, and always before saying a dataset does not exist, so a new folder in the warehouse
appears without a restart. Only datasets whose version changed are re-registered and
re-described. It never runs user SQL: views are the adapter's, and the only query it sends
is the GROUP BY over load columns, built from nodes.

An optional overlay (admin settings from the metadata store) is applied on every read; it
returns the dataset as it should be shown, or None when the dataset is withdrawn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.base import AdapterQueryError, DatabaseAdapter
from backend.catalog.delta import Change
from backend.catalog.labels import label_from_name
from backend.catalog.models import Column, Dataset, VintageColumns
from backend.catalog.sources import (
    DatasetSource,
    ParquetViews,
    RelationsSource,
    SourceEntry,
    WarnOnce,
)
from backend.catalog.time_travel import TimeTravel
from backend.catalog.vintage import LoadOptions, loads_query, shape_options
from backend.catalog.warehouse import WarehouseSource
from backend.errors import BadRequest, NotFound

log = logging.getLogger(__name__)

Overlay = Callable[[Dataset], Dataset | None]


@dataclass(frozen=True)
class _Known:
    entry: SourceEntry
    dataset: Dataset


def default_source(adapter: DatabaseAdapter) -> DatasetSource:
    """The warehouse folder for an adapter that has one, else the adapter's relations."""
    warehouse = getattr(adapter, "warehouse_dir", None)
    if warehouse is not None and isinstance(adapter, ParquetViews):
        return WarehouseSource(warehouse)
    return RelationsSource(adapter)


def _vintage(columns: tuple[Column, ...]) -> VintageColumns | None:
    names = {c.name for c in columns}
    if "load_id" not in names:
        return None
    return VintageColumns(load_type="load_type" if "load_type" in names else None)


class Catalog:
    """Datasets by key. Thread-safe: scans are serialised, reads use the latest snapshot."""

    def __init__(
        self,
        adapter: DatabaseAdapter,
        source: DatasetSource | None = None,
        *,
        overlay: Overlay | None = None,
        rescan_interval_s: float = 1.0,
    ) -> None:
        self._adapter = adapter
        self._source = source if source is not None else default_source(adapter)
        self._overlay = overlay
        self._interval = rescan_interval_s
        self._lock = threading.Lock()
        self._known: dict[str, _Known] = {}
        self._scanned_at = float("-inf")
        self._loads: dict[tuple[Any, ...], LoadOptions] = {}
        self._warn = WarnOnce()
        self._travel = TimeTravel(adapter) if isinstance(adapter, ParquetViews) else None
        self.refresh()

    # --- reading --------------------------------------------------------------------------

    def list(self) -> list[Dataset]:
        """Every dataset, by key, as the overlay shows it."""
        self._refresh_if_due()
        shown = (self._show(k.dataset) for _, k in sorted(self._known.items()))
        return [d for d in shown if d is not None]

    def get(self, key: str) -> Dataset:
        """One dataset; NotFound when it does not exist (after a fresh scan) or is withdrawn."""
        self._refresh_if_due()
        known = self._known.get(key)
        if known is None:
            self.refresh()
            known = self._known.get(key)
        dataset = self._show(known.dataset) if known is not None else None
        if dataset is None:
            raise NotFound(f"Dataset '{key}' was not found.")
        return dataset

    def as_of(
        self, dataset: Dataset, *, version: int | None, timestamp: datetime | None
    ) -> Dataset:
        """`dataset` (as its caller may see it) reading a past version: BadRequest when it
        has none (not a Delta table in the warehouse, or no such version)."""
        folder = self.versioned_folder(dataset.key)
        if self._travel is None or folder is None:
            raise BadRequest(f"Dataset '{dataset.key}' has no versions: as_of needs a Delta table.")
        return self._travel.dataset(dataset, folder, version=version, timestamp=timestamp)

    def history(self, dataset: Dataset, limit: int) -> tuple[Change, ...] | None:
        """The dataset's versions, newest first; None when it has none (not a Delta table)."""
        folder = self.versioned_folder(dataset.key)
        if self._travel is None or folder is None:
            return None
        return tuple(self._travel.history(dataset, folder, limit))

    def forget_versions(self, key: str) -> None:
        """Drop the views of `key`'s past versions (after an erase vacuumed their files)."""
        if self._travel is not None:
            self._travel.forget(key)

    def has_versions(self, key: str) -> bool:
        return self.versioned_folder(key) is not None

    def versioned_folder(self, key: str) -> Path | None:
        """The folder of a dataset read from a table format's file list (Delta)."""
        known = self._known.get(key)
        if known is None or known.entry.files is None:
            return None
        return known.entry.path

    def _show(self, dataset: Dataset) -> Dataset | None:
        return self._overlay(dataset) if self._overlay is not None else dataset

    # --- scanning -------------------------------------------------------------------------

    def _refresh_if_due(self) -> None:
        # Readers never queue behind a scan in progress: they use the snapshot they have.
        if time.monotonic() - self._scanned_at < self._interval:
            return
        if self._lock.acquire(blocking=False):
            try:
                if time.monotonic() - self._scanned_at >= self._interval:
                    self._scan()
            finally:
                self._lock.release()

    def refresh(self) -> None:
        """Scan now and bring every changed dataset up to date."""
        with self._lock:
            self._scan()

    def _scan(self) -> None:
        entries = {e.key: e for e in self._source.scan()}
        known: dict[str, _Known] = {}
        for key, entry in entries.items():
            previous = self._known.get(key)
            if previous is not None and previous.entry == entry:
                known[key] = previous
                continue
            dataset = self._load(entry)
            if dataset is not None:
                known[key] = _Known(entry, dataset)
            elif previous is not None:  # e.g. a file still being written: keep what worked
                known[key] = previous
        for key in self._known.keys() - entries.keys():
            self._forget(key)
        self._known = known
        self._scanned_at = time.monotonic()

    def _load(self, entry: SourceEntry) -> Dataset | None:
        try:
            # Re-registered on every new version too: a view keeps the column list it was
            # created with, and a new partition may bring a new column.
            if entry.path is not None:
                self._views().register_parquet(
                    entry.relation, entry.path, hive=entry.hive, files=entry.files
                )
            infos = self._adapter.describe(entry.relation)
        except (AdapterQueryError, ValueError) as e:
            self._warn(f"{entry.key}@{entry.version}", f"not readable yet: {e}")
            return None
        columns = tuple(Column(i.name, i.type, label=label_from_name(i.name)) for i in infos)
        return Dataset(
            key=entry.key,
            relation=entry.relation,
            columns=columns,
            label=label_from_name(entry.key),
            vintage=_vintage(columns),
            row_estimate=entry.row_estimate,
            version=entry.version,
            partition_rows=entry.partition_rows,
        )

    def _forget(self, key: str) -> None:
        known = self._known[key]
        if known.entry.path is not None:
            try:
                self._views().unregister(known.entry.relation)
            except AdapterQueryError as e:
                log.warning("could not drop the view of dataset %r: %s", key, e)
        self._loads = {k: v for k, v in self._loads.items() if k[0] != key}

    def _views(self) -> ParquetViews:
        if not isinstance(self._adapter, ParquetViews):
            raise ValueError(f"adapter {self._adapter.name} cannot serve Parquet files")
        return self._adapter

    # --- loads ----------------------------------------------------------------------------

    def vintage_options(self, key: str) -> LoadOptions:
        """`[{"load_type", "rows", "load_ids": [{"load_id", "rows"}, ...]}]`, load types
        sorted, load ids newest first; [] for a dataset without vintage columns. Cached per
        dataset version."""
        dataset = self.get(key)
        vintage = dataset.vintage
        if vintage is None or vintage.load_id is None:
            return []
        cache_key = (dataset.key, dataset.version, vintage.load_type, vintage.load_id)
        options = self._loads.get(cache_key)
        if options is None:
            table = self._adapter.run(loads_query(dataset, vintage))
            options = shape_options(table.to_pylist())
            self._loads = {
                **{k: v for k, v in self._loads.items() if k[0] != dataset.key},
                cache_key: options,
            }
        return [{**o, "load_ids": [dict(i) for i in o["load_ids"]]} for o in options]

    def latest_load_id(self, key: str, load_type: str | None) -> Any:
        """The newest load id of `load_type` (None: a dataset without a load type column),
        or None when there is no such load."""
        for option in self.vintage_options(key):
            if option["load_type"] == load_type and option["load_ids"]:
                return option["load_ids"][0]["load_id"]
        return None
