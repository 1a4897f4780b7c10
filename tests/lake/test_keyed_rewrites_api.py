"""Through the HTTP API, a dataset with a primary_key gets its uploads, erases and Z-orders
written in key order, cut into files of key ranges at the table's compaction target: a push
of the newest keys then rewrites one file of each load, not the load. Without a
primary_key an upload keeps its arrival order (one file here)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from backend.lake import layout, maintenance
from tests.admin.helpers import upload
from tests.lake.test_maintenance import _run
from tests.store.fixtures import Api

LOAD_ROWS = 20_000
ROWS_PER_FILE = 2_000
NEWEST = 100
_keys = (f"accounts_{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("key_ranges") / "warehouse"
    root.mkdir(parents=True)
    return root


def _csv(first_id: int) -> bytes:
    """LOAD_ROWS accounts with ids from `first_id`, in shuffled order."""
    ids = list(range(first_id, first_id + LOAD_ROWS))
    random.Random(first_id).shuffle(ids)
    lines = ["id,owner,balance", *(f"{i},owner {i % 97},{i % 1000}.5" for i in ids)]
    return ("\n".join(lines) + "\n").encode()


def _upload(api: Api, key: str, load_id: int) -> None:
    content = _csv(load_id * LOAD_ROWS)
    r = upload(api, key, content, load_type="DAILY", load_id=load_id)
    assert r.status_code in (200, 201), r.text


def _load_files(folder: Path, load_id: int) -> list[dict[str, Any]]:
    adds = pa.table(DeltaTable(str(folder)).get_add_actions(flatten=True)).to_pylist()
    return [f for f in adds if f["partition.load_id"] == load_id]


def _apart(files: list[dict[str, Any]]) -> bool:
    ranges = sorted((f["min.id"], f["max.id"]) for f in files)
    return all(a[1] < b[0] for a, b in itertools.pairwise(ranges))


@pytest.fixture
def keyed(api: Api, warehouse: Path) -> Path:
    """A Delta dataset keyed by id, its first load in arrival order, files cut at about
    ROWS_PER_FILE rows from now on."""
    key = next(_keys)
    _upload(api, key, 1)
    r = api.client.patch(
        f"/api/admin/datasets/{key}", json={"primary_key": ["id"]}, headers=api.headers()
    )
    assert r.status_code == 200, r.text
    folder = warehouse / key
    per_row = layout.bytes_per_row(DeltaTable(str(folder)))
    maintenance.set_compact_target(folder, int(per_row * ROWS_PER_FILE), user="test")
    return folder


def _push_newest(api: Api, folder: Path, load_id: int) -> dict[str, Any]:
    """Update the load's newest NEWEST ids; the merge's metrics."""
    first = (load_id + 1) * LOAD_ROWS - NEWEST
    row = {"owner": "new", "balance": 1.0, "load_type": "DAILY", "load_id": load_id}
    changes = [{"op": "update", "row": {"id": i, **row}} for i in range(first, first + NEWEST)]
    body = {"batch_id": f"newest-{load_id}", "changes": changes}
    r = api.client.post(f"/api/datasets/{folder.name}/changes", json=body, headers=api.headers())
    assert r.status_code == 200, r.text
    assert r.json()["updated"] + r.json()["inserted"] == NEWEST  # an erased id comes back
    metrics: dict[str, Any] = DeltaTable(str(folder)).history(1)[0]["operationMetrics"]
    return metrics


def _newest_first(files: list[dict[str, Any]]) -> list[int]:
    """The files' rows, from the newest ids to the oldest."""
    return [f["num_records"] for f in sorted(files, key=lambda f: -f["max.id"])]


def test_an_upload_to_a_keyed_dataset_is_cut_into_key_ranges(api: Api, keyed: Path) -> None:
    table = DeltaTable(str(keyed))
    smallest = layout.band_rows(table, layout.file_bytes(table) or 0)

    _upload(api, keyed.name, 2)

    assert len(_load_files(keyed, 1)) == 1  # uploaded before the key was set
    files = _load_files(keyed, 2)
    assert len(files) > 2 and _apart(files), [(f["min.id"], f["max.id"]) for f in files]
    # doubling sizes from the newest ids, as the demo's files are
    assert _newest_first(files)[:3] == [smallest, 2 * smallest, 4 * smallest]
    history = api.client.get(f"/api/datasets/{keyed.name}/history", headers=api.headers())
    assert history.json()["versions"][0]["rows_added"] == LOAD_ROWS
    metrics = _push_newest(api, keyed, 2)
    assert metrics["num_target_files_removed"] == 1
    assert metrics["num_output_rows"] < LOAD_ROWS / 2


def test_an_erase_through_the_api_keeps_a_keyed_dataset_cut_into_key_ranges(
    api: Api, keyed: Path
) -> None:
    _upload(api, keyed.name, 2)
    url = f"/api/admin/datasets/{keyed.name}/erase"
    filters = {"conditions": [{"column": "owner", "operator": "=", "value": "owner 5"}]}
    seen = api.client.post(url, json={"filters": filters}, headers=api.headers()).json()
    body = {"filters": filters, "confirm": True, "expected_rows": seen["rows"]}

    r = api.client.post(url, json=body, headers=api.headers())

    assert r.status_code == 200, r.text
    for load_id in (1, 2):  # both loads held the owner, both were rewritten
        files = _load_files(keyed, load_id)
        assert len(files) > 2 and _apart(files)
    metrics = _push_newest(api, keyed, 1)
    assert metrics["num_target_files_removed"] == 1
    assert metrics["num_output_rows"] < LOAD_ROWS / 2


def test_a_zorder_through_the_api_keeps_a_keyed_datasets_newest_keys_apart(
    api: Api, keyed: Path
) -> None:
    _upload(api, keyed.name, 2)
    spec = {
        "dataset": keyed.name,
        "filters": {"conditions": [{"column": "balance", "operator": "=", "value": 5.5}]},
    }
    assert api.client.post("/api/query", json=spec, headers=api.headers()).status_code == 200
    api.audit_rows()  # the advice reads the usage from the audit log

    job = _run(api, keyed.name, {"action": "optimize", "zorder": True})

    assert job["status"] == "done" and job["report"]["zorder"] == ["balance"], job
    metrics = _push_newest(api, keyed, 2)
    assert metrics["num_target_files_removed"] == 1
    assert metrics["num_output_rows"] < LOAD_ROWS / 2


def test_a_replaced_load_of_a_keyed_dataset_is_its_new_rows_cut_the_same_way(
    api: Api, keyed: Path
) -> None:
    _upload(api, keyed.name, 2)
    table = DeltaTable(str(keyed))
    smallest = layout.band_rows(table, layout.file_bytes(table) or 0)
    content = _csv(2 * LOAD_ROWS + LOAD_ROWS // 2)  # ids the first upload did not have

    r = upload(api, keyed.name, content, load_type="DAILY", load_id=2, replace="true")

    assert r.status_code in (200, 201), r.text
    files = _load_files(keyed, 2)
    assert sum(f["num_records"] for f in files) == LOAD_ROWS  # the old files are gone
    assert min(f["min.id"] for f in files) == 2 * LOAD_ROWS + LOAD_ROWS // 2
    assert _apart(files) and _newest_first(files)[:2] == [smallest, 2 * smallest]
    assert len(_load_files(keyed, 1)) == 1  # the other load untouched
