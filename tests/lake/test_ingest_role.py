"""The `ingest` role: a loader's API key may push changes to a dataset, and nothing an
admin may do; a viewer's key may not push."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from tests.store.fixtures import Api

_names = (f"ledger_{i}" for i in itertools.count())
BATCH = {"op": "upsert", "row": {"id": 1, "owner": "Ann", "balance": 12.5}}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ingest") / "warehouse"
    root.mkdir(parents=True)
    return root


def _key_of(api: Api, role: str) -> dict[str, str]:
    """An API key of a new user with `role`, as the header that sends it."""
    name = f"{role}_{uuid.uuid4().hex[:6]}"
    body = {"username": name, "password": "a-long-password-1", "role": role}
    r = api.client.post("/api/admin/users", json=body, headers=api.headers())
    assert r.status_code == 201, r.text
    assert r.json()["role"] == role
    r = api.client.post(
        "/api/admin/api-keys", json={"username": name, "name": "loader"}, headers=api.headers()
    )
    assert r.status_code == 201, r.text
    return {"X-API-Key": r.json()["key"]}


def _ledger(api: Api, warehouse: Path) -> str:
    key = next(_names)
    rows = pa.table({"id": [1, 2], "owner": ["Ann", "Bo"], "balance": [10.0, 20.0]})
    write_deltalake(str(warehouse / key), rows)
    r = api.client.patch(
        f"/api/admin/datasets/{key}", json={"primary_key": ["id"]}, headers=api.headers()
    )
    assert r.status_code == 200, r.text
    return key


def _push(api: Api, key: str, headers: dict[str, str]) -> int:
    body = {"batch_id": uuid.uuid4().hex, "changes": [BATCH]}
    r = api.client.post(f"/api/datasets/{key}/changes", json=body, headers=headers)
    return r.status_code


def test_an_ingest_key_pushes_changes_but_is_refused_admin_routes(
    api: Api, warehouse: Path
) -> None:
    key = _ledger(api, warehouse)
    loader = _key_of(api, "ingest")
    assert _push(api, key, loader) == 200
    spec = {
        "dataset": key,
        "columns": ["balance"],
        "filters": {"conditions": [{"column": "id", "operator": "=", "value": 1}]},
    }
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.json()["rows"] == [[12.5]]
    assert api.client.get("/api/admin/users", headers=loader).status_code == 403
    erase = {"filters": {"conditions": [{"column": "id", "operator": "=", "value": 1}]}}
    r = api.client.post(f"/api/admin/datasets/{key}/erase", json=erase, headers=loader)
    assert r.status_code == 403


def test_a_viewer_key_may_not_push_changes(api: Api, warehouse: Path) -> None:
    key = _ledger(api, warehouse)
    assert _push(api, key, _key_of(api, "viewer")) == 403
