"""Hostile requests against the API as `make run` serves it (`python -m backend.serve`, real
uvicorn on a socket): bodies over MAX_JSON_BODY_MB, streamed or declared, are refused without
being read, and the client address is the socket's, whatever a caller forwards, unless the UI
server (aurora/api_client.py) forwards it with the shared secret."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import aurora.api_client
from aurora.api_client import ApiClient, ApiError
from tests.conftest import build_tiny_warehouse
from tests.deploy.servers import ApiProcess, base_env, login, running

pytestmark = pytest.mark.slow

LIMIT_MB = 1
MB = 2**20
UI_SECRET = "ui-secret-of-this-test-run-0123456789"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    root = tmp_path_factory.mktemp("limits")
    warehouse = build_tiny_warehouse(root / "warehouse").root
    env = base_env(
        warehouse, root / "state", MAX_JSON_BODY_MB=str(LIMIT_MB), AURORA_UI_SECRET=UI_SECRET
    )
    with running(env, root) as process:
        yield process


@pytest.fixture(scope="module")
def admin(api: ApiProcess) -> Iterator[httpx.Client]:
    with api.client(login(api.url)) as client:
        yield client


class Endless:
    """A JSON-looking body that never ends, counting what the server made us send."""

    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"dataset": "items", "columns": ["'
        chunk = b"x" * 64 * 1024
        while self.sent < 4096 * MB:
            self.sent += len(chunk)
            yield chunk


def _assert_payload_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["code"] == "payload_too_large"
    assert f"{LIMIT_MB} MB" in error["message"] and "MAX_JSON_BODY_MB" in error["message"]
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_a_streamed_body_over_the_limit_is_refused_without_reading_the_rest(
    admin: httpx.Client,
) -> None:
    body = Endless()
    started = time.monotonic()
    r = admin.post("/api/query", content=body, headers={"Content-Type": "application/json"})
    _assert_payload_too_large(r)
    assert time.monotonic() - started < 10
    # What the sockets' buffers took on top of the limit, not the 4 GB on offer.
    assert body.sent < 32 * MB


def test_a_declared_length_over_the_limit_is_refused_before_the_body(api: ApiProcess) -> None:
    head = (
        "POST /api/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {2 * 2**30}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", api.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(head.encode() + b'{"dataset": ')  # and then nothing: the server must not wait
        answer = _read_until_closed(sock)
    assert time.monotonic() - started < 3
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 413")
    assert b"connection: close" in status.lower()
    assert json.loads(body)["error"]["code"] == "payload_too_large"


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_body_under_the_limit_is_answered(admin: httpx.Client) -> None:
    padding = [{"column": "name", "operator": "not_in", "value": ["z" * 100] * 4000}]
    spec = {"dataset": "items", "page_size": 5, "filters": {"op": "and", "conditions": padding}}
    assert 0.2 * MB < len(json.dumps(spec)) < LIMIT_MB * MB
    r = admin.post("/api/query", json=spec)
    assert r.status_code == 200, r.text


def test_the_server_keeps_answering_after_refusing_bodies(admin: httpx.Client) -> None:
    for _ in range(3):
        _assert_payload_too_large(admin.post("/api/query", content=Endless()))
    assert admin.get("/api/health").status_code == 200


def test_an_upload_keeps_its_own_limit(admin: httpx.Client, tmp_path: Path) -> None:
    rows = "".join(f"{i},row number {i:>40}\n" for i in range(40_000))
    data = ("id,label\n" + rows).encode()
    assert len(data) > 1.5 * LIMIT_MB * MB
    r = admin.post(
        "/api/admin/datasets",
        files={"file": ("big.csv", io.BytesIO(data), "text/csv")},
        data={"key": "big_upload"},
    )
    assert r.status_code == 201, r.text


def _newest_failure(admin: httpx.Client, username: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        items = admin.get("/api/admin/audit", params={"action": "login.failure"}).json()["items"]
        return next((i for i in items if i["username"] == username), None)

    deadline = time.monotonic() + 10
    while (row := found()) is None and time.monotonic() < deadline:
        time.sleep(0.2)  # the audit log is written in batches
    assert row is not None
    return row


def test_a_forged_forwarded_for_from_localhost_is_not_believed(
    api: ApiProcess, admin: httpx.Client
) -> None:
    # uvicorn's default would believe this from 127.0.0.1; backend.serve turns that off.
    forged = {"X-Forwarded-For": "203.0.113.66", "X-Real-IP": "203.0.113.66"}
    body = {"username": "forger", "password": "wrong"}
    assert httpx.post(f"{api.url}/api/auth/login", json=body, headers=forged).status_code == 401
    assert _newest_failure(admin, "forger")["client_addr"] == "127.0.0.1"


def test_the_ui_client_forwards_the_browser_address_with_its_secret(
    api: ApiProcess, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURORA_API_URL", api.url)
    monkeypatch.setenv("AURORA_UI_SECRET", UI_SECRET)
    monkeypatch.setattr(aurora.api_client, "_login_client", None)  # a pool for this server

    async def log_in(username: str) -> ApiError:
        with pytest.raises(ApiError) as failed:
            await ApiClient(client_addr="198.51.100.23").login(username, "wrong")
        await aurora.api_client._sign_in_client().aclose()  # sign-ins have their own pool
        return failed.value

    assert asyncio.run(log_in("browser-user")).status == 401
    assert _newest_failure(admin, "browser-user")["client_addr"] == "198.51.100.23"
    monkeypatch.setenv("AURORA_UI_SECRET", "not-the-secret")
    monkeypatch.setattr(aurora.api_client, "_login_client", None)
    assert asyncio.run(log_in("impostor")).status == 401
    assert _newest_failure(admin, "impostor")["client_addr"] == "127.0.0.1"
