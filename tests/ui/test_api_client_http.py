"""The UI's client of the API (aurora.api_client) against a real HTTP server on loopback:
the tiles batch's lines of any length, the contract's errors, query parameters as the API
reads them."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import aurora.api_client
from aurora.api_client import ApiClient, ApiError

BIG_ROWS = [{"region": "EMEA", "note": "x" * 100, "n": i} for i in range(9_000)]  # ~1.3 MB


class _Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        lines = [
            {"tile": "big", "status": 200, "data": {"rows": BIG_ROWS}},
            {"tile": "gone", "status": 404, "error": {"code": "not_found", "message": "No."}},
        ]
        body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        self._send(200, body, "application/x-ndjson")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/api/cookie":
            body = json.dumps({"cookie": self.headers.get("Cookie")}).encode()
            self.send_response(200)
            self.send_header("Set-Cookie", "session=alice-only; Path=/")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if url.path == "/api/missing":
            error = {"error": {"code": "not_found", "message": "No such thing.", "details": []}}
            self._send(404, json.dumps(error).encode(), "application/json")
            return
        self._send(200, json.dumps(parse_qs(url.query)).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), 8192):  # many reads on the client's side
            self.wfile.write(body[start : start + 8192])

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    monkeypatch.setenv("AURORA_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setattr(aurora.api_client, "_client", None)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def _run(call: Any) -> Any:
    async def once() -> Any:
        try:
            return await call()
        finally:
            await aurora.api_client._shared_client().aclose()

    return asyncio.run(once())


@pytest.mark.usefixtures("api")
def test_a_tile_answer_longer_than_any_read_arrives_whole_beside_its_neighbours_error() -> None:
    async def tiles() -> list[tuple[str, Any]]:
        return [t async for t in ApiClient("t").tiles_data("d1", ["big", "gone"], {})]

    (big, answer), (gone, error) = _run(tiles)
    assert (big, answer["rows"]) == ("big", BIG_ROWS)
    assert (gone, error) == ("gone", ApiError(404, "not_found", "No.", []))


@pytest.mark.usefixtures("api")
def test_an_error_answer_raises_the_contracts_error() -> None:
    with pytest.raises(ApiError) as raised:
        _run(lambda: ApiClient("t")._obj("GET", "/api/missing"))
    assert (raised.value.status, raised.value.code) == (404, "not_found")
    assert raised.value.message == "No such thing."


@pytest.mark.usefixtures("api")
def test_query_parameters_reach_the_api_as_text_and_booleans_in_lower_case() -> None:
    sent = _run(lambda: ApiClient("t")._obj("GET", "/api/echo", params={"n": 3, "all": True}))
    assert sent == {"n": ["3"], "all": ["true"]}


def test_an_api_nobody_answers_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_API_URL", "http://127.0.0.1:9")  # discard: nothing listens
    monkeypatch.setattr(aurora.api_client, "_client", None)
    with pytest.raises(ApiError) as raised:
        _run(lambda: ApiClient("t").datasets())
    assert (raised.value.status, raised.value.code) == (503, "api_unreachable")


@pytest.mark.usefixtures("api")
def test_a_cookie_one_users_answer_sets_never_rides_on_another_users_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # By a host name: aiohttp's default jar already ignores cookies from an IP address.
    by_name = aurora.api_client.api_url().replace("127.0.0.1", "localhost")
    monkeypatch.setenv("AURORA_API_URL", by_name)

    async def two_users() -> list[Any]:
        first = await ApiClient("alice")._obj("GET", "/api/cookie")
        second = await ApiClient("bob")._obj("GET", "/api/cookie")
        return [first, second]

    assert _run(two_users) == [{"cookie": None}, {"cookie": None}]
