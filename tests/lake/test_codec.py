"""The files Aurora writes for queries to read are LZ4_RAW Parquet (backend.lake.codec: a
cold sorted scan decodes it in about half the CPU of ZSTD): an upload's Delta files, every
load after it, and the demo warehouse's."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest
from deltalake import DeltaTable

from backend.demo.build import build_demo
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
