"""GET /api/datasets/{key}/version: the number open explorers poll for "New data available"."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import write_deltalake

from tests.store.fixtures import Api


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("version") / "warehouse"
    root.mkdir(parents=True)
    write_deltalake(str(root / "feed"), pa.table({"id": [1, 2]}))
    pq.write_table(pa.table({"id": [1]}), root / "flat.parquet")
    return root


def _version(api: Api, key: str) -> tuple[int, dict[str, object]]:
    r = api.client.get(f"/api/datasets/{key}/version", headers=api.headers())
    return r.status_code, r.json()


def test_the_version_follows_each_new_commit(api: Api, warehouse: Path) -> None:
    status, before = _version(api, "feed")  # the module's table serves both stores
    assert status == 200 and before["versioned"] is True and isinstance(before["version"], int)
    write_deltalake(str(warehouse / "feed"), pa.table({"id": [3]}), mode="append")
    assert _version(api, "feed")[1]["version"] == before["version"] + 1


def test_a_dataset_without_versions_or_unknown(api: Api) -> None:
    assert _version(api, "flat") == (200, {"dataset": "flat", "versioned": False, "version": None})
    assert _version(api, "nope")[0] == 404
