"""An API call from the UI server looks for no module on disk. httpcore, the UI's client
before aiohttp, asked several times per request which async library runs it (`import
sniffio`); anyio 4.16 no longer brings sniffio, and a failed import is not remembered, so
every call searched the whole sys.path again: about 0.5 ms of CPU each, several per request,
3% of the UI server's CPU in a 200-user profile. Whatever the client, that must not return.

A real HTTP server on loopback answers the UI's own client (aurora.api_client).
"""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import aurora.api_client
from aurora.api_client import ApiClient


class _Datasets(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'[{"key": "global_sales"}]'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Lookups(importlib.abc.MetaPathFinder):
    """Every module Python searches for (one not already imported)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        self.names.append(fullname)


@pytest.fixture
def api_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Datasets)
    # A short poll: shutdown() waits for serve_forever to look at its flag (0.5 s by default).
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AURORA_API_URL", url)
    monkeypatch.setattr(aurora.api_client, "_client", None)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def test_api_calls_from_the_ui_search_for_no_module(api_url: str) -> None:
    async def calls(lookups: _Lookups) -> list[list[Any]]:
        client = ApiClient("token")
        await client.datasets()  # the first call may import what it needs, once
        sys.meta_path.insert(0, lookups)
        try:
            return [await client.datasets() for _ in range(5)]
        finally:
            sys.meta_path.remove(lookups)
            await aurora.api_client._shared_client().aclose()

    lookups = _Lookups()
    answers = asyncio.run(calls(lookups))
    assert answers == [[{"key": "global_sales"}]] * 5
    assert lookups.names == [], sorted(set(lookups.names))
