"""An app on a writable warehouse (the tiny one, freshly built) for dataset administration,
with a 1 MB upload limit so the limit is cheap to reach."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.store.engine import Store
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import Api, _running_api

UPLOAD_MAX_MB = 1


def _admin_api(store: Store, tmp_path: Path) -> Iterator[Api]:
    warehouse = build_tiny_warehouse(tmp_path / "warehouse").root
    yield from _running_api(
        store, tmp_path, data_dir=warehouse, upload_max_mb=UPLOAD_MAX_MB, redis_url=None
    )


@pytest.fixture
def admin_api(metadata_store: Store, tmp_path: Path) -> Iterator[Api]:
    """On SQLite and on PostgreSQL."""
    yield from _admin_api(metadata_store, tmp_path)


@pytest.fixture
def admin_api_sqlite(sqlite_store: Store, tmp_path: Path) -> Iterator[Api]:
    """For the many error paths, where the store plays no part."""
    yield from _admin_api(sqlite_store, tmp_path)
