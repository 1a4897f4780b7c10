"""The files Aurora writes for queries to read are LZ4_RAW Parquet (backend.parquet_codec: a
cold sorted scan decodes it in about half the CPU of ZSTD): an upload's Delta files, every
load after it, what a push, a compaction, a Z-order and an erase rewrite, and the demo's."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest
from deltalake import DeltaTable

from backend.demo.build import build_demo
from backend.lake import maintenance
from tests.admin.helpers import upload
from tests.store.fixtures import Api

_keys = (f"codec_{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("codec") / "warehouse"
    root.mkdir(parents=True)
    return root


def codecs(files: list[str]) -> set[str]:
    """Every column chunk's codec, as the Parquet footers name it."""
    listed = ", ".join(f"'{f}'" for f in files)
    rows = duckdb.sql(f"SELECT DISTINCT compression FROM parquet_metadata([{listed}])")
    return {r[0] for r in rows.fetchall()}


def test_every_load_of_an_upload_is_written_lz4_raw(api: Api, warehouse: Path) -> None:
    key = next(_keys)
    for load_id, body in (
        ("202401", b"region,amount\nNorth,10\n"),
        ("202402", b"region,amount\nSouth,2\n"),
    ):
        r = upload(api, key, body, load_type="MONTH_END", load_id=load_id)
        assert r.status_code == 201, r.text
    files = DeltaTable(str(warehouse / key)).file_uris()
    assert len(files) == 2
    assert codecs(files) == {"LZ4_RAW"}


def test_a_whole_upload_without_loads_is_written_lz4_raw(api: Api, warehouse: Path) -> None:
    key = next(_keys)
    assert upload(api, key, b"region,amount\nNorth,10\n").status_code == 201
    assert codecs(DeltaTable(str(warehouse / key)).file_uris()) == {"LZ4_RAW"}


def test_the_demo_warehouse_is_written_lz4_raw(tmp_path: Path) -> None:
    out = build_demo(tmp_path / "demo", 3_000, progress=lambda _: None, newest_rows=1_000)
    files = [str(p) for p in out.rglob("*.parquet")]
    assert files and codecs(files) == {"LZ4_RAW"}


def test_a_push_a_compaction_a_zorder_and_an_erase_write_lz4_raw(api: Api, warehouse: Path) -> None:
    key = next(_keys)
    body = b"id,owner,amount\n1,Ann,10\n2,Bo,20\n3,Cy,30\n"
    assert upload(api, key, body, load_type="MONTH_END", load_id="202401").status_code == 201
    patch = api.client.patch(
        f"/api/admin/datasets/{key}", json={"primary_key": ["id"]}, headers=api.headers()
    )
    assert patch.status_code == 200, patch.text
    folder = warehouse / key
    row = {"id": 4, "owner": "Di", "amount": 40, "load_type": "MONTH_END", "load_id": 202401}
    push = {"batch_id": "b1", "changes": [{"op": "insert", "row": row}]}
    r = api.client.post(f"/api/datasets/{key}/changes", json=push, headers=api.headers())
    assert r.status_code == 200, r.text
    assert codecs(DeltaTable(str(folder)).file_uris()) == {"LZ4_RAW"}
    maintenance.optimize(folder, user="admin")
    assert codecs(DeltaTable(str(folder)).file_uris()) == {"LZ4_RAW"}
    maintenance.zorder(folder, ["amount"], user="admin")
    assert codecs(DeltaTable(str(folder)).file_uris()) == {"LZ4_RAW"}
    erase = {"op": "and", "conditions": [{"column": "id", "operator": "=", "value": 2}]}
    url = f"/api/admin/datasets/{key}/erase"
    preview = api.client.post(url, json={"filters": erase}, headers=api.headers())
    assert preview.status_code == 200, preview.text
    done = api.client.post(
        url, json={"filters": erase, "confirm": True, "expected_rows": 1}, headers=api.headers()
    )
    assert done.status_code == 200, done.text
    assert codecs(DeltaTable(str(folder)).file_uris()) == {"LZ4_RAW"}
