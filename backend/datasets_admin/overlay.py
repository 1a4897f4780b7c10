"""The catalog overlay: a discovered dataset as its admin settings describe it.

It runs on every catalog read, so each result is memoized per (discovered dataset object,
settings generation): a read costs two dict look-ups unless the data or the settings changed.
Settings naming a column the data no longer has are skipped here (the admin listing still
shows them); row-level security is the exception and blocks the dataset (see `rls`).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from backend.catalog.models import Column, Dataset, VintageColumns
from backend.datasets_admin.schema import ColumnSettings, DatasetSettings
from backend.datasets_admin.settings_store import SettingsStore


def apply_settings(dataset: Dataset, settings: DatasetSettings) -> Dataset:
    columns = tuple(_column(c, settings.columns.get(c.name)) for c in dataset.columns)
    names = {c.name for c in columns}
    sorts = tuple((s.column, s.direction) for s in settings.default_sort if s.column in names)
    mandatory = tuple(n for n in settings.mandatory_filters if n in names)
    return replace(
        dataset,
        label=settings.label or dataset.label,
        description=settings.description or dataset.description,
        columns=columns,
        vintage=_vintage(dataset, settings, names),
        mandatory_filters=mandatory or dataset.mandatory_filters,
        default_sort=sorts or dataset.default_sort,
        synonyms=tuple(settings.synonyms) or dataset.synonyms,
        _by_name={},
    )


def _column(column: Column, settings: ColumnSettings | None) -> Column:
    if settings is None:
        return column
    return replace(
        column,
        label=settings.label or column.label,
        description=settings.description or column.description,
        hidden=column.hidden if settings.hidden is None else settings.hidden,
        format=settings.format or column.format,
        synonyms=tuple(settings.synonyms or ()) or column.synonyms,
    )


def _vintage(dataset: Dataset, settings: DatasetSettings, names: set[str]) -> VintageColumns | None:
    v = settings.vintage
    if v is None or v.load_id_column not in names:
        return dataset.vintage
    load_type = v.load_type_column if v.load_type_column in names else None
    return VintageColumns(load_type, v.load_id_column, v.default_load_type)


class SettingsOverlay:
    """`Catalog(overlay=SettingsOverlay(settings))`."""

    def __init__(self, settings: SettingsStore) -> None:
        self._settings = settings
        self._memo: dict[str, tuple[Dataset, int, Dataset]] = {}
        self._lock = threading.Lock()

    def __call__(self, dataset: Dataset) -> Dataset | None:
        entry = self._settings.get(dataset.key)
        if entry is None:
            return dataset
        generation = self._settings.generation
        memo = self._memo.get(dataset.key)
        if memo is not None and memo[0] is dataset and memo[1] == generation:
            return memo[2]
        shown = apply_settings(dataset, entry.settings)
        with self._lock:
            self._memo[dataset.key] = (dataset, generation, shown)
        return shown
