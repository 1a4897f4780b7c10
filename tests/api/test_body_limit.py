"""MAX_JSON_BODY_MB in process: a declared length over it and a chunked body past it are both
413 payload_too_large in the error shape. The streaming itself (nothing read past the limit)
is tested against a real server in tests/deploy/test_request_limits.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api

MB = 2**20


@pytest.fixture
def small_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from _running_api(sqlite_store, tmp_path, data_dir=shared_warehouse, max_json_body_mb=1)


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"dataset": "items", "columns": ["'
    for _ in range(total // (64 * 1024)):
        yield b"x" * 64 * 1024


@pytest.mark.parametrize(
    ("how", "content", "headers"),
    [
        ("declared", b"{}", {"Content-Length": str(2 * 2**30)}),
        ("chunked", None, {}),
    ],
)
def test_a_body_over_the_limit_is_413_in_the_error_shape(
    small_api: Api, how: str, content: bytes | None, headers: dict[str, str]
) -> None:
    body = content if content is not None else _chunks(2 * MB)
    headers = {**small_api.headers(), "Content-Type": "application/json", **headers}
    r = small_api.client.post("/api/query", content=body, headers=headers)
    assert r.status_code == 413
    assert r.json() == {
        "error": {
            "code": "payload_too_large",
            "message": "The request body is larger than 1 MB (MAX_JSON_BODY_MB).",
            "details": [],
        }
    }
    assert r.headers["connection"] == "close"


def test_a_chunked_body_under_the_limit_is_read(small_api: Api) -> None:
    body = iter([b'{"dataset": "items", ', b'"page_size": 3}'])
    headers = {**small_api.headers(), "Content-Type": "application/json"}
    r = small_api.client.post("/api/query", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert len(r.json()["rows"]) == 3
