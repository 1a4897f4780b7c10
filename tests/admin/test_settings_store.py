"""The in-memory settings snapshot, the catalog overlay built on it, and the doctests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.catalog.models import Column, Dataset, VintageColumns
from backend.datasets_admin.overlay import SettingsOverlay, apply_settings
from backend.datasets_admin.schema import DatasetSettings
from backend.datasets_admin.settings_store import Entry, SettingsStore
from backend.store.engine import Store
from tests.store.fixtures import wipe

SALES = Dataset(
    "sales",
    "sales",
    (
        Column("region", "VARCHAR", label="Region"),
        Column("amount", "DECIMAL(18,2)", label="Amount"),
        Column("load_type", "VARCHAR"),
        Column("load_id", "BIGINT"),
    ),
    label="Sales",
    vintage=VintageColumns(),
)


@pytest.fixture
def store(sqlite_store: Store) -> Iterator[Store]:
    wipe(sqlite_store)
    yield sqlite_store
    wipe(sqlite_store)


def _entry(**settings: object) -> Entry:
    return Entry("sales", "discovered", None, DatasetSettings.model_validate(settings))


def test_a_write_is_seen_at_once_here_and_after_the_interval_elsewhere(store: Store) -> None:
    here = SettingsStore(store, reload_s=3600)
    elsewhere = SettingsStore(store, reload_s=3600)  # e.g. the export worker
    here.put(_entry(label="Sales EU"), by="admin")
    assert here.get("sales") is not None and elsewhere.get("sales") is None
    elsewhere._reload_s = 0.0  # the interval has passed
    found = elsewhere.get("sales")
    assert found is not None and found.settings.label == "Sales EU"


def test_the_generation_changes_only_with_the_content(store: Store) -> None:
    settings = SettingsStore(store, reload_s=0.0)
    first = settings.generation
    settings.put(_entry(label="A"), by="admin")
    second = settings.generation
    settings.reload()
    settings.put(_entry(label="A"), by="admin")
    assert second == first + 1 and settings.generation == second
    settings.remove("sales")
    assert settings.get("sales") is None and settings.generation == second + 1


def test_the_overlay_maps_settings_onto_the_dataset() -> None:
    settings = DatasetSettings.model_validate(
        {
            "label": "Global sales",
            "columns": {"amount": {"label": "Revenue", "format": "currency", "hidden": True}},
            "vintage": {
                "load_type_column": "load_type",
                "load_id_column": "load_id",
                "default_load_type": "MONTH_END",
            },
            "mandatory_filters": ["region", "gone"],
            "default_sort": ["region", {"column": "amount", "direction": "desc"}],
        }
    )
    shown = apply_settings(SALES, settings)
    amount = shown.column("amount")
    assert amount is not None and (amount.label, amount.format, amount.hidden) == (
        "Revenue",
        "currency",
        True,
    )
    assert shown.label == "Global sales"
    assert shown.vintage == VintageColumns("load_type", "load_id", "MONTH_END")
    assert shown.mandatory_filters == ("region",)  # a column that is gone is skipped
    assert shown.default_sort == (("region", "asc"), ("amount", "desc"))
    assert SALES.column("amount") == Column("amount", "DECIMAL(18,2)", label="Amount")


def test_the_overlay_reuses_its_result_until_data_or_settings_change(store: Store) -> None:
    settings = SettingsStore(store, reload_s=3600)
    overlay = SettingsOverlay(settings)
    assert overlay(SALES) is SALES  # no settings: the dataset as discovered
    settings.put(_entry(label="One"), by="admin")
    first = overlay(SALES)
    assert first is not None and first.label == "One" and overlay(SALES) is first
    settings.put(_entry(label="Two"), by="admin")
    second = overlay(SALES)
    assert second is not None and second.label == "Two"
