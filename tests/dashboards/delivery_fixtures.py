"""An app over the tiny warehouse plus `lines` (2,500 rows), exports in-process (no Redis),
and helpers to start a dashboard export and fetch its file."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import openpyxl

from backend.store.engine import Store
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import Api, _running_api

LINES_ROWS = 2_500
LINES = {"dataset": "lines", "columns": ["line_id", "price"], "sort": [{"column": "line_id"}]}


def delivery_warehouse(root: Path) -> Path:
    build_tiny_warehouse(root)
    lines = "SELECT i::BIGINT AS line_id, (i * 0.5)::DOUBLE AS price FROM range($n) t(i)"
    with duckdb.connect() as con:
        con.execute(
            f"COPY ({lines}) TO '{root / 'lines.parquet'}' (FORMAT parquet)", {"n": LINES_ROWS}
        )
    return root


def delivery_api(store: Store, tmp_path: Path, **overrides: Any) -> Iterator[Api]:
    root = delivery_warehouse(tmp_path / "warehouse")
    yield from _running_api(store, tmp_path, data_dir=root, **overrides)


def start(api: Api, headers: dict[str, str], dashboard_id: str, **body: Any) -> str:
    r = api.client.post(f"/api/dashboards/{dashboard_id}/exports", json=body, headers=headers)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def finished(api: Api, export_id: str, headers: dict[str, str], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        r = api.client.get(f"/api/exports/{export_id}", headers=headers)
        assert r.status_code == 200, r.text
        if r.json()["status"] in ("done", "failed", "cancelled"):
            return r.json()
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.05)


def download(api: Api, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    assert body["status"] == "done", body
    r = api.client.get(body["download_url"], headers=headers)
    assert r.status_code == 200, r.text
    return r.content


def sheets(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book}
