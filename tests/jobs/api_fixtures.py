"""An app (lifespan entered) on the shared warehouse and a SQLite store, no Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backend.store.engine import Store
from tests.jobs.conftest import link_warehouse
from tests.store.fixtures import Api, _running_api


def running_api(
    sqlite_store: Store, tmp_path: Path, shared: Path, **overrides: Any
) -> Iterator[Api]:
    link_warehouse(shared, tmp_path / "warehouse")
    yield from _running_api(sqlite_store, tmp_path, **overrides)


def poll(api: Api, export_id: str, headers: dict[str, str], until: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        r = api.client.get(f"/api/exports/{export_id}", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def finished(body: dict[str, Any]) -> bool:
    return body["status"] in ("done", "failed", "cancelled")
