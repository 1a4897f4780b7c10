"""Change data capture, push, through the HTTP API: a batch of inserts, updates and deletes
keyed by the primary_key setting becomes one new version, a batch id sent twice is applied
once, and bad batches are refused whole with nothing written."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from tests.store.fixtures import Api

ROWS = [(1, "Ann", 10.0, 1), (2, "Bo", 20.0, 1), (3, "Cy", 30.0, 2)]
_names = (f"accounts_{i}" for i in itertools.count())


def _table(rows: list[tuple[Any, ...]]) -> pa.Table:
    names = ["id", "owner", "balance", "load_id"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cdc") / "warehouse"
    root.mkdir(parents=True)
    return root


@pytest.fixture
def accounts(api: Api, warehouse: Path) -> str:
    """A Delta table keyed by `id` (its primary_key setting), at version 0."""
    key = next(_names)
    write_deltalake(str(warehouse / key), _table(ROWS), partition_by=["load_id"])
    r = api.client.patch(
        f"/api/admin/datasets/{key}", json={"primary_key": ["id"]}, headers=api.headers()
    )
    assert r.status_code == 200, r.text
    return key


def _push(
    api: Api, key: str, batch: str, changes: list[dict[str, Any]], headers: Any = None
) -> Any:
    body = {"batch_id": batch, "changes": changes}
    return api.client.post(
        f"/api/datasets/{key}/changes", json=body, headers=headers or api.headers()
    )


def _rows(api: Api, key: str) -> list[list[Any]]:
    spec = {
        "dataset": key,
        "vintage": {"all_loads": True},
        "columns": ["id", "owner", "balance", "load_id"],
        "sort": [{"column": "id"}],
    }
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    return [list(row) for row in r.json()["rows"]]


BATCH = [
    {"op": "update", "row": {"id": 1, "owner": "Ann", "balance": 11.5, "load_id": 1}},
    {"op": "delete", "row": {"id": 2}},
    {"op": "insert", "row": {"id": 4, "owner": "Di", "balance": 40.0, "load_id": 2}},
    {"op": "insert", "row": {"id": 5, "owner": "Ed", "balance": 50.0, "load_id": 3}},
    {"op": "update", "row": {"id": 5, "owner": "Ed", "balance": 55.0, "load_id": 3}},
]
AFTER = [[1, "Ann", 11.5, 1], [3, "Cy", 30.0, 2], [4, "Di", 40.0, 2], [5, "Ed", 55.0, 3]]


def test_a_batch_becomes_one_new_version_and_the_next_query_reads_it(
    api: Api, accounts: str
) -> None:
    r = _push(api, accounts, "b-1", BATCH)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "batch_id": "b-1",
        "applied": True,
        "version": 1,
        "inserted": 2,
        "updated": 1,
        "deleted": 1,
    }
    assert _rows(api, accounts) == AFTER
    spec = {"dataset": accounts, "vintage": {"all_loads": True}, "as_of": {"version": 0}}
    before = api.client.post("/api/query", json={**spec, "columns": ["id"]}, headers=api.headers())
    assert [r[0] for r in before.json()["rows"]] == [1, 2, 3]


def test_a_batch_sent_twice_is_applied_once(api: Api, accounts: str) -> None:
    first = _push(api, accounts, "same", BATCH).json()
    again = _push(api, accounts, "same", BATCH)
    assert again.status_code == 200, again.text
    assert again.json()["applied"] is False and again.json()["version"] == first["version"]
    assert DeltaTable(str(api.settings.data_dir / accounts)).version() == 1
    assert _rows(api, accounts) == AFTER


def test_concurrent_batches_on_one_dataset_both_apply(api: Api, accounts: str) -> None:
    results: list[Any] = []
    batches = [
        [{"op": "upsert", "row": {"id": 10 + i, "owner": f"P{i}", "balance": 1.0, "load_id": 1}}]
        for i in range(4)
    ]

    def push(i: int) -> None:
        results.append(_push(api, accounts, f"c-{i}", batches[i]))

    threads = [threading.Thread(target=push, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200] * 4, [r.text for r in results]
    assert [r[0] for r in _rows(api, accounts)] == [1, 2, 3, 10, 11, 12, 13]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ([{"op": "delete", "row": {"owner": "x"}}], 400),
        ([{"op": "upsert", "row": {"id": 9, "nope": 1}}], 400),
        ([{"op": "upsert", "row": {"id": "not a number", "load_id": 1}}], 400),
        ([{"op": "upsert", "row": {"id": 2**70, "load_id": 1}}], 400),
        ([{"op": "upsert", "row": {"id": 9, "balance": {"nested": [1]}, "load_id": 1}}], 400),
        ([{"op": "upsert", "row": {"id": 9, 'o"wner\u00e9': "x", "load_id": 1}}], 400),
        ([{"op": "merge", "row": {"id": 9}}], 422),
        ([], 422),
    ],
)
def test_a_bad_batch_is_refused_whole_and_writes_nothing(
    api: Api, accounts: str, changes: list[dict[str, Any]], status: int
) -> None:
    good = {"op": "upsert", "row": {"id": 7, "owner": "G", "balance": 1.0, "load_id": 1}}
    r = _push(api, accounts, "bad", [good, *changes] if changes else [])
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]
    assert DeltaTable(str(api.settings.data_dir / accounts)).version() == 0


def test_changes_need_a_delta_table_a_primary_key_and_an_admin(
    api: Api, accounts: str, warehouse: Path
) -> None:
    plain = next(_names)
    write_deltalake(str(warehouse / plain), _table(ROWS))
    assert _push(api, plain, "x", BATCH).status_code == 400, "no primary_key setting"
    assert _push(api, "missing", "x", BATCH).status_code == 404
    viewer = api.new_user(f"v_{accounts}")
    assert _push(api, accounts, "x", BATCH, viewer).status_code == 403
    bad_key = api.client.patch(
        f"/api/admin/datasets/{accounts}", json={"primary_key": ["nope"]}, headers=api.headers()
    )
    assert bad_key.status_code == 422, bad_key.text
