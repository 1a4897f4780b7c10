"""GDPR erase through the HTTP API: the preview counts per load what the erase then removes,
a stale preview is refused, and afterwards no version and no file holds the erased rows
(the test scans every Parquet file and log file in the table's folder itself)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from tests.store.fixtures import Api

PARTS = ["load_type", "load_id"]
SECRET = "Zed Secretperson"
LOAD_1 = [
    (100, "Ann Able", "North", "DAILY", 1),
    (123, SECRET, "North", "DAILY", 1),
    (124, "Bo Best", "South", "DAILY", 1),
]
LOAD_2 = [
    (123, SECRET, "North", "DAILY", 2),
    (125, "Cy Cole", "East", "DAILY", 2),
    (126, "Di Dale", "South", "ME", 3),
]
ERASE_123 = {"conditions": [{"column": "employee_id", "operator": "=", "value": 123}]}
_names = (f"people_{i}" for i in itertools.count())


def _batch(rows: list[tuple[Any, ...]]) -> pa.Table:
    names = ["employee_id", "name", "region", "load_type", "load_id"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("erase") / "warehouse"
    (root / "plain").mkdir(parents=True)
    pq.write_table(_batch(LOAD_1), root / "plain" / "part.parquet")
    return root


@pytest.fixture
def people(warehouse: Path) -> tuple[str, Path]:
    """A Delta table whose versions all hold employee 123: v0 load 1, v1 + loads 2 and 3,
    v2 a delete of employee 124 (which rewrites load 1's file, 123 included)."""
    key = next(_names)
    table = str(warehouse / key)
    write_deltalake(table, _batch(LOAD_1), partition_by=PARTS)
    write_deltalake(table, _batch(LOAD_2), mode="append", partition_by=PARTS)
    DeltaTable(table).delete("employee_id = 124")
    return key, warehouse / key


def _erase(api: Api, key: str, body: dict[str, Any], headers: Any = None) -> Any:
    url = f"/api/admin/datasets/{key}/erase"
    return api.client.post(url, json=body, headers=headers or api.headers())


def _ids(api: Api, key: str, **extra: Any) -> list[int]:
    spec = {
        "dataset": key,
        "vintage": {"all_loads": True},
        "columns": ["employee_id"],
        "sort": [{"column": "employee_id"}],
        **extra,
    }
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    return [row[0] for row in r.json()["rows"]]


def _every_value_on_disk(folder: Path) -> set[Any]:
    """Every cell of every Parquet file (data and checkpoints) and the text of the log."""
    found: set[Any] = set()
    for path in folder.rglob("*.parquet"):
        for column in pq.read_table(path).columns:
            found.update(str(v) for v in column.to_pylist())
    for path in folder.rglob("*.json"):
        found.add(path.read_text())
    return found


def test_the_preview_counts_the_matching_rows_per_load_and_changes_nothing(
    api: Api, people: tuple[str, Path]
) -> None:
    key, _ = people
    r = _erase(api, key, {"filters": ERASE_123})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["version"], body["rows"]) == (2, 2)
    by_load = sorted((p["values"]["load_id"], p["rows"]) for p in body["by_partition"])
    assert by_load == [(1, 1), (2, 1)]
    assert _ids(api, key) == [100, 123, 123, 125, 126]


def test_an_erase_removes_the_rows_from_every_version_and_every_file(
    api: Api, people: tuple[str, Path]
) -> None:
    key, folder = people
    assert any(SECRET in v for v in _every_value_on_disk(folder)), "the test data holds it"
    r = _erase(api, key, {"filters": ERASE_123, "confirm": True, "expected_rows": 2})
    assert r.status_code == 200, r.text
    assert r.json()["erased_rows"] == 2 and r.json()["vacuumed_files"] > 0
    assert _ids(api, key) == [100, 125, 126], "everyone else is kept"
    assert not any(SECRET in v for v in _every_value_on_disk(folder))
    for version in range(3):
        spec = {"dataset": key, "vintage": {"all_loads": True}, "as_of": {"version": version}}
        old = api.client.post("/api/query", json=spec, headers=api.headers())
        assert old.status_code == 400, (version, old.text)
    history = api.client.get(f"/api/datasets/{key}/history", headers=api.headers()).json()
    assert history["versions"] and all(v["version"] > 2 for v in history["versions"])


def test_a_preview_that_no_longer_holds_is_refused_and_nothing_is_erased(
    api: Api, people: tuple[str, Path]
) -> None:
    key, folder = people
    r = _erase(api, key, {"filters": ERASE_123, "confirm": True, "expected_rows": 1})
    assert r.status_code == 409, r.text
    assert _ids(api, key) == [100, 123, 123, 125, 126]
    assert DeltaTable(str(folder)).version() == 2


def test_the_audit_log_records_who_erased_which_filter_and_how_many_rows(
    api: Api, people: tuple[str, Path]
) -> None:
    key, _ = people
    r = _erase(api, key, {"filters": ERASE_123, "confirm": True, "expected_rows": 2})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 10  # the audit writer is a queue: rows land shortly after
    while True:
        entries = api.client.get("/api/admin/audit?action=dataset.erase", headers=api.headers())
        assert entries.status_code == 200, entries.text
        mine = [e for e in entries.json()["items"] if e["dataset"] == key]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(mine) == 1, entries.json()["items"]
    assert mine[0]["detail"]["rows"] == 2 and mine[0]["detail"]["filters"]["conditions"]
    assert SECRET not in entries.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"filters": ERASE_123, "confirm": True}, 422),
        ({"filters": {"conditions": [{"column": "nope", "operator": "=", "value": 1}]}}, 422),
        ({"filters": ERASE_123, "extra": 1}, 422),
        ({"filters": {"conditions": []}}, 400),
    ],
)
def test_bad_erase_requests_are_client_errors_in_the_error_shape(
    api: Api, people: tuple[str, Path], body: dict[str, Any], status: int
) -> None:
    key, _ = people
    r = _erase(api, key, body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]
    assert _ids(api, key) == [100, 123, 123, 125, 126]


def test_only_delta_datasets_can_be_erased_and_only_by_an_admin(
    api: Api, people: tuple[str, Path]
) -> None:
    assert _erase(api, "plain", {"filters": ERASE_123}).status_code == 400
    assert _erase(api, "missing", {"filters": ERASE_123}).status_code == 404
    viewer = api.new_user(f"viewer_{people[0]}")
    assert _erase(api, people[0], {"filters": ERASE_123}, viewer).status_code == 403
