"""Maintenance of Delta datasets through the admin API, run off the request path: optimize
compacts many small files into one version with the same rows, and a vacuum after an erase
that kept its files (ERASE_RETENTION_HOURS > 0) removes the erased rows from the disk for
good (the test reads every Parquet file and log file itself)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api

SECRET = "Zed Secretperson"
ERASE_123 = {"conditions": [{"column": "employee_id", "operator": "=", "value": 123}]}
_names = (f"kept_{i}" for i in itertools.count())


def _batch(rows: list[tuple[int, str]]) -> pa.Table:
    return pa.table({"employee_id": [r[0] for r in rows], "name": [r[1] for r in rows]})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("maintenance") / "warehouse"
    root.mkdir(parents=True)
    return root


def _table(warehouse: Path, batches: int) -> tuple[str, Path]:
    """A table of `batches` appends: one small file each; employee 123 in the first two."""
    key = next(_names)
    folder = warehouse / key
    for i in range(batches):
        rows = [(123, SECRET)] if i < 2 else []
        write_deltalake(str(folder), _batch([*rows, (1000 + i, f"Person {i}")]), mode="append")
    return key, folder


def _run(api: Api, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Start a maintenance job (202) and follow it until it ends."""
    r = api.client.post(f"/api/admin/datasets/{key}/maintenance", json=body, headers=api.headers())
    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("queued", "running", "done")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api.client.get(f"/api/admin/maintenance/{r.json()['job_id']}", headers=api.headers())
        assert job.status_code == 200, job.text
        if job.json()["status"] in ("done", "failed"):
            return dict(job.json())
        time.sleep(0.1)
    raise AssertionError("the maintenance job never ended")


def _count(api: Api, key: str, **extra: Any) -> Any:
    spec = {"dataset": key, "columns": ["employee_id"], "page_size": 1000, **extra}
    return api.client.post("/api/query", json=spec, headers=api.headers())


def _every_value_on_disk(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.parquet"):
        for column in pq.read_table(path).columns:
            found.update(str(v) for v in column.to_pylist())
    found.update(path.read_text() for path in folder.rglob("*.json"))
    return found


def _data_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.parquet") if "_delta_log" not in p.parts]


def test_optimize_compacts_small_files_into_one_version_with_the_same_rows(
    api: Api, warehouse: Path
) -> None:
    key, folder = _table(warehouse, 8)
    before = sorted(r[0] for r in _count(api, key).json()["rows"])
    assert len(DeltaTable(str(folder)).file_uris()) == 8

    job = _run(api, key, {"action": "optimize"})
    assert job["status"] == "done", job
    report = job["report"]
    assert (report["files_before"], report["files_after"]) == (8, 1)
    assert report["bytes_after"] < report["bytes_before"]
    assert len(DeltaTable(str(folder)).file_uris()) == 1
    assert sorted(r[0] for r in _count(api, key).json()["rows"]) == before
    assert _count(api, key, as_of={"version": 7}).status_code == 200, "old versions stay"

    history = api.client.get(f"/api/datasets/{key}/history", headers=api.headers()).json()
    assert history["versions"][0]["operation"] == "OPTIMIZE"

    job = _run(api, key, {"action": "vacuum", "retention_hours": 0})
    assert job["status"] == "done", job
    assert (job["report"]["files_before"], job["report"]["files_after"]) == (9, 1)
    assert len(_data_files(folder)) == 1
    assert _count(api, key, as_of={"version": 7}).status_code == 400


def test_maintenance_of_a_dataset_without_versions_unknown_or_misnamed_is_refused(
    api: Api, warehouse: Path
) -> None:
    pq.write_table(_batch([(1, "a")]), warehouse / "flat.parquet")  # not a Delta table
    r = api.client.post(
        "/api/admin/datasets/flat/maintenance", json={"action": "optimize"}, headers=api.headers()
    )
    assert r.status_code == 400, r.text
    r = api.client.post(
        "/api/admin/datasets/nope/maintenance", json={"action": "vacuum"}, headers=api.headers()
    )
    assert r.status_code == 404, r.text
    r = api.client.post(
        "/api/admin/datasets/flat/maintenance", json={"action": "zorder"}, headers=api.headers()
    )
    assert r.status_code == 422, r.text
    assert (
        api.client.get("/api/admin/maintenance/unknown", headers=api.headers()).status_code == 404
    )


@pytest.fixture(scope="module")
def retaining(sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An app whose erase keeps superseded files for an hour (ERASE_RETENTION_HOURS=1)."""
    root = tmp_path_factory.mktemp("retaining")
    (root / "warehouse").mkdir()
    yield from _running_api(
        sqlite_store, root, data_dir=root / "warehouse", erase_retention_hours=1.0
    )


def test_a_vacuum_after_an_erase_that_kept_its_files_removes_the_rows_for_good(
    retaining: Api,
) -> None:
    api = retaining
    key, folder = _table(api.settings.data_dir, 3)
    body = {"filters": ERASE_123, "confirm": True, "expected_rows": 2}
    r = api.client.post(f"/api/admin/datasets/{key}/erase", json=body, headers=api.headers())
    assert r.status_code == 200, r.text
    assert 123 not in [row[0] for row in _count(api, key).json()["rows"]]
    assert any(SECRET in v for v in _every_value_on_disk(folder)), "kept for the retention"
    assert _count(api, key, as_of={"version": 0}).status_code == 200

    job = _run(api, key, {"action": "vacuum", "retention_hours": 0})
    assert job["status"] == "done", job
    assert not any(SECRET in v for v in _every_value_on_disk(folder))
    assert _count(api, key, as_of={"version": 0}).status_code == 400
    assert sorted(r[0] for r in _count(api, key).json()["rows"]) == [1000, 1001, 1002]
