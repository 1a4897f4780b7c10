"""An app over the generated `daily_sales` warehouse (tests/insights/data.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.store.engine import Store
from tests.insights.data import write_warehouse
from tests.store.fixtures import Api, _running_api, own_store_api


@pytest.fixture(scope="session")
def insights_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_warehouse(tmp_path_factory.mktemp("insights"))


@pytest.fixture
def insights_api(sqlite_store: Store, tmp_path: Path, insights_warehouse: Path) -> Iterator[Api]:
    yield from _running_api(sqlite_store, tmp_path, data_dir=insights_warehouse)


@pytest.fixture(scope="module")
def insights_reader(
    tmp_path_factory: pytest.TempPathFactory, insights_warehouse: Path
) -> Iterator[Api]:
    """One app per module for the tests that only read as the admin; those that add users,
    change the dataset's settings or read the audit log start their own (`insights_api`)."""
    yield from own_store_api(tmp_path_factory.mktemp("insights_app"), data_dir=insights_warehouse)
