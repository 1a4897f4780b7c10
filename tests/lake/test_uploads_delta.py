"""Uploads write Delta tables: each upload is one version, with its user and load id in the
history, older versions readable through as_of, and a replaced load overwriting only its
partition. A plain Parquet dataset keeps taking plain loads, and UPLOAD_TABLE_FORMAT=parquet
keeps new uploads plain."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from backend.store.engine import Store
from tests.admin.helpers import leftovers, upload
from tests.store.fixtures import Api, _running_api

_keys = (f"upl_{i}" for i in itertools.count())
JAN = b"region,amount\nNorth,10\nSouth,20\n"
FEB = b"region,amount\nNorth,11\nEast,30\nWest,40\n"
FEB_FIXED = b"region,amount\nNorth,12\n"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("uploads") / "warehouse"
    root.mkdir(parents=True)
    return root


def _query(api: Api, key: str, **extra: Any) -> Any:
    spec = {
        "dataset": key,
        "vintage": {"all_loads": True},
        "columns": ["region", "amount", "load_id"],
        "sort": [{"column": "load_id"}, {"column": "region"}],
        **extra,
    }
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    return [tuple(row) for row in r.json()["rows"]]


def _history(api: Api, key: str) -> list[dict[str, Any]]:
    r = api.client.get(f"/api/datasets/{key}/history", headers=api.headers())
    assert r.status_code == 200, r.text
    assert r.json()["versioned"] is True
    versions: list[dict[str, Any]] = r.json()["versions"]
    return versions


def _load(api: Api, key: str, content: bytes, load_id: str, **fields: Any) -> Any:
    return upload(api, key, content, load_type="MONTH_END", load_id=load_id, **fields)


def test_each_load_is_a_version_with_its_user_and_load_id(api: Api, warehouse: Path) -> None:
    key = next(_keys)
    assert _load(api, key, JAN, "202401").status_code == 201
    assert _load(api, key, FEB, "202402").status_code == 201
    assert (warehouse / key / "_delta_log").is_dir()
    assert DeltaTable(str(warehouse / key)).metadata().partition_columns == ["load_type", "load_id"]

    newest, first = _history(api, key)
    assert (newest["version"], newest["load_id"], newest["user"]) == (1, "202402", "admin")
    assert (first["version"], first["load_id"], first["rows_added"]) == (0, "202401", 2)
    assert len(_query(api, key)) == 5
    assert _query(api, key, as_of={"version": 0}) == [
        ("North", 10, 202401),
        ("South", 20, 202401),
    ]
    assert leftovers(api) == []


def test_a_replaced_load_overwrites_only_its_partition_as_a_new_version(api: Api) -> None:
    key = next(_keys)
    _load(api, key, JAN, "202401")
    _load(api, key, FEB, "202402")
    assert _load(api, key, FEB_FIXED, "202402").status_code == 409  # not without replace
    r = _load(api, key, FEB_FIXED, "202402", replace="true")
    assert r.status_code == 201, r.text
    assert r.json()["created"] is False

    assert _query(api, key) == [("North", 10, 202401), ("South", 20, 202401), ("North", 12, 202402)]
    assert len(_query(api, key, as_of={"version": 1})) == 5  # the load before it was replaced
    assert [v["version"] for v in _history(api, key)] == [2, 1, 0]


def test_a_load_with_other_columns_is_refused_and_adds_no_version(api: Api) -> None:
    key = next(_keys)
    _load(api, key, JAN, "202401")
    r = _load(api, key, b"region,amount,extra\nNorth,1,x\n", "202402")
    assert r.status_code == 422, r.text
    assert "extra" in r.json()["error"]["message"]
    r = _load(api, key, JAN, "January")  # the table's load ids are numbers
    assert r.status_code == 422, r.text
    assert [v["version"] for v in _history(api, key)] == [0]
    assert leftovers(api) == []


def test_a_whole_dataset_replaced_takes_new_columns_as_a_new_version(api: Api) -> None:
    key = next(_keys)
    assert upload(api, key, b"code\n123\n").status_code == 201
    assert upload(api, key, b"code\n456\n", load_type="M", load_id="1").status_code == 422
    r = upload(api, key, b"code,note\nA1,x\n", replace="true", types='{"code": "VARCHAR"}')
    assert r.status_code == 201, r.text
    spec = {"dataset": key, "columns": ["code"]}
    got = api.client.post("/api/query", json=spec, headers=api.headers()).json()["rows"]
    assert got == [["A1"]]
    old = api.client.post(
        "/api/query", json={**spec, "as_of": {"version": 0}}, headers=api.headers()
    )
    assert old.json()["rows"] == [[123]]


def test_a_plain_parquet_dataset_keeps_taking_plain_loads(api: Api, warehouse: Path) -> None:
    key = next(_keys)
    plain = warehouse / key / "load_type=MONTH_END" / "load_id=202401"
    plain.mkdir(parents=True)
    # the types an earlier plain upload wrote (polars: large strings)
    first = pa.table({"region": pa.array(["North"], pa.large_string()), "amount": [5]})
    pq.write_table(first, plain / "part-0.parquet")
    r = _load(api, key, b"region,amount\nSouth,6\n", "202402")
    assert r.status_code == 201, r.text
    assert not (warehouse / key / "_delta_log").exists()
    assert (warehouse / key / "load_type=MONTH_END" / "load_id=202402" / "part-0.parquet").exists()


@pytest.fixture
def parquet_api(sqlite_store: Store, tmp_path: Path) -> Iterator[Api]:
    root = tmp_path / "warehouse"
    root.mkdir()
    yield from _running_api(
        sqlite_store, tmp_path, data_dir=root, upload_table_format="parquet", redis_url=None
    )


def test_upload_table_format_parquet_writes_plain_files(parquet_api: Api) -> None:
    r = _load(parquet_api, "plain_sales", JAN, "202401")
    assert r.status_code == 201, r.text
    folder = parquet_api.settings.data_dir / "plain_sales"
    assert not (folder / "_delta_log").exists()
    assert (folder / "load_type=MONTH_END" / "load_id=202401" / "part-0.parquet").exists()
    history = parquet_api.client.get(
        "/api/datasets/plain_sales/history", headers=parquet_api.headers()
    )
    assert history.json()["versioned"] is False
