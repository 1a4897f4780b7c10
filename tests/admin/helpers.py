"""Calls the admin tests make: upload a file, run a query, look for leftovers."""

from __future__ import annotations

from typing import Any

import httpx

from tests.store.fixtures import Api


def upload(
    api: Api,
    key: str,
    content: bytes,
    filename: str = "data.csv",
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> httpx.Response:
    data = {"key": key, **{k: str(v) for k, v in fields.items()}}
    return api.client.post(
        "/api/admin/datasets",
        files={"file": (filename, content, "application/octet-stream")},
        data=data,
        headers=headers or api.headers(),
    )


def rows(api: Api, spec: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    r = api.client.post(
        "/api/query", json={"page_size": 1000, **spec}, headers=headers or api.headers()
    )
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def leftovers(api: Api) -> list[str]:
    """Temp folders in the warehouse and files in the uploads folder: both must be empty
    after any upload, good or bad."""
    warehouse = api.settings.data_dir
    uploads = api.settings.state_dir / "uploads"
    found = [p.name for p in warehouse.iterdir() if p.name.startswith((".", "_"))]
    found += [f"uploads/{p.name}" for p in uploads.iterdir()] if uploads.exists() else []
    return found
