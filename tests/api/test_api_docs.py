"""The API's description (/api/openapi.json, /api/docs) needs credentials in production
unless PUBLIC_API_DOCS says otherwise; in development it is public unless told not to be."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api

DOC_PATHS = ("/api/openapi.json", "/api/docs")


def _anonymous_status(api: Api) -> dict[str, int]:
    return {path: api.client.get(path).status_code for path in DOC_PATHS}


@pytest.mark.parametrize(
    ("settings", "anonymous"),
    [
        ({"environment": "production"}, 401),
        ({"environment": "production", "public_api_docs": True}, 200),
        ({"environment": "development"}, 200),
        ({"environment": "development", "public_api_docs": False}, 401),
    ],
)
def test_api_docs_need_credentials_unless_public(
    sqlite_store: Store,
    tmp_path: Path,
    shared_warehouse: Path,
    settings: dict[str, Any],
    anonymous: int,
) -> None:
    for api in _running_api(sqlite_store, tmp_path, data_dir=shared_warehouse, **settings):
        assert _anonymous_status(api) == dict.fromkeys(DOC_PATHS, anonymous)
        if anonymous == 401:
            body = api.client.get("/api/openapi.json").json()
            assert body["error"]["code"] == "unauthenticated"
        viewer = api.new_user("ann")
        schema = api.client.get("/api/openapi.json", headers=viewer)
        assert schema.status_code == 200 and "/api/query" in schema.json()["paths"]
        page = api.client.get("/api/docs", headers=viewer)
        assert page.status_code == 200 and "/api/query" in page.text  # the schema inline


def test_backend_serve_runs_in_production_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend import serve
    from backend.config import get_settings

    monkeypatch.delenv("AURORA_ENV", raising=False)
    get_settings.cache_clear()
    try:
        serve.main(["--print-memory-limit"])
        assert get_settings().environment == "production"
        assert not get_settings().api_docs_public
    finally:
        os.environ.pop("AURORA_ENV", None)  # set by serve.main itself, not by monkeypatch
        get_settings.cache_clear()
