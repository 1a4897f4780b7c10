"""One app per test module over the module's own `warehouse` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api


@pytest.fixture(scope="module")
def api(
    metadata_store: Store, tmp_path_factory: pytest.TempPathFactory, warehouse: Path
) -> Iterator[Api]:
    yield from _running_api(metadata_store, tmp_path_factory.mktemp("app"), data_dir=warehouse)
