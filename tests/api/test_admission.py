"""Admission, not refusal: queries wait for a database worker in a fair queue.

Each test serves the app over real HTTP (uvicorn on a free port, the tiny DuckDB warehouse)
with one query worker, and makes that worker busy by holding its admission slot, as a long
query would; then it queues requests behind it and watches what comes out, and in which
order, once the worker is free. The queue is observed as clients see it: responses and
/metrics.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from backend.main import create_app
from backend.services.admission import Admission, Priority, Ticket
from backend.store.engine import Store
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, USER_PASSWORD, make_settings, wipe

PAGE = {"dataset": "items", "columns": ["item_id", "name"], "page_size": 500}


@dataclass
class Served:
    url: str
    app: FastAPI
    loop: asyncio.AbstractEventLoop

    @property
    def admission(self) -> Admission:
        admission: Admission = self.app.state.context.services.executor.admission
        return admission

    def call(self, coro: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app: FastAPI) -> Iterator[Served]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),))
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", app, loop)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        loop.close()


@pytest.fixture
def serve(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path
) -> Iterator[Callable[..., Served]]:
    """`serve(**settings)`: the app over HTTP with one query worker, results not cached."""
    servers: list[Iterator[Served]] = []

    def start(**overrides: Any) -> Served:
        wipe(sqlite_store)
        settings = make_settings(
            tmp_path,
            sqlite_store,
            data_dir=shared_warehouse,
            query_workers=1,
            result_cache=False,
            cache_ttl=0,
            **overrides,
        )
        servers.append(_serve(create_app(settings)))
        return next(servers[-1])

    yield start
    for server in servers:
        next(server, None)


class Busy:
    """The only query worker, taken as a long query would take it, until `free()`."""

    def __init__(self, served: Served) -> None:
        self._served = served
        self._free = asyncio.Event()
        taken = threading.Event()

        async def hold() -> None:
            async with served.admission.slot(Ticket("someone else")):
                taken.set()
                await self._free.wait()

        self._held = asyncio.run_coroutine_threadsafe(hold(), served.loop)
        assert taken.wait(10)

    def free(self) -> None:
        self._served.loop.call_soon_threadsafe(self._free.set)
        self._held.result(timeout=10)


def _headers(url: str, username: str, password: str) -> dict[str, str]:
    # argon2 at its recommended cost, on a login pool a loaded 2-core machine can starve for
    # more than httpx's 5 s default: the sign-in is set-up here, not what is measured.
    login = {"username": username, "password": password}
    r = httpx.post(f"{url}/api/auth/login", json=login, timeout=60)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _users(served: Served, names: list[str]) -> dict[str, dict[str, str]]:
    admin = _headers(served.url, ADMIN, ADMIN_PASSWORD)
    found = {ADMIN: admin}
    for name in names:
        body = {"username": name, "password": USER_PASSWORD, "role": "viewer", "attributes": {}}
        r = httpx.post(f"{served.url}/api/admin/users", json=body, headers=admin)
        assert r.status_code == 201, r.text
        found[name] = _headers(served.url, name, USER_PASSWORD)
    return found


def _above(item_id: int) -> dict[str, Any]:
    """A page of items whose id is above `item_id`: a query of its own for each id."""
    condition = {"column": "item_id", "operator": ">", "value": item_id}
    return {**PAGE, "filters": {"conditions": [condition]}}


def _export(quantity: int) -> dict[str, Any]:
    """A CSV export of the sales with more than `quantity` items: its own count to run."""
    condition = {"column": "quantity", "operator": ">", "value": quantity}
    query = {"dataset": "sales", "page_size": 50, "filters": {"conditions": [condition]}}
    return {"query": query, "format": "csv"}


def _metric(served: Served, admin: dict[str, str], name: str) -> float:
    """One sample of /metrics (0 when absent); `name` includes its labels."""
    text = httpx.get(f"{served.url}/metrics", headers=admin).text
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def _until(check: Callable[[], bool], what: str, within_s: float = 15) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.02)


async def _answered_in_order(
    client: httpx.AsyncClient,
    served: Served,
    waves: list[list[tuple[str, str, dict[str, Any], dict[str, str]]]],
    busy: Busy,
) -> list[tuple[str, int]]:
    """Send each wave (label, path, body, headers) once the previous one is queued, free the
    worker, and return (label, status) in the order the responses came back."""
    answered: list[tuple[str, int]] = []

    async def send(label: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        r = await client.post(path, json=body, headers=headers)
        answered.append((label, r.status_code))

    tasks, queued = [], 0
    for wave in waves:
        tasks += [asyncio.create_task(send(*request)) for request in wave]
        queued += len(wave)
        await _until(lambda n=queued: served.admission.waiting() == n, f"{queued} queued")  # type: ignore[misc]
    busy.free()
    await asyncio.gather(*tasks)
    return answered


def test_one_user_with_twenty_queued_queries_cannot_starve_five_users_with_one_each(
    serve: Callable[..., Served],
) -> None:
    served = serve(query_queue_wait_s=60)
    users = _users(served, ["hoarder", "s1", "s2", "s3", "s4", "s5"])
    # Twenty different queries: twenty identical ones would be one database query, run once
    # for all who ask at the same time, and queue once.
    hoarder = [("hoarder", "/api/query", _above(i), users["hoarder"]) for i in range(20)]
    names = ("s1", "s2", "s3", "s4", "s5")
    singles = [(name, "/api/query", _above(20 + k), users[name]) for k, name in enumerate(names)]
    busy = Busy(served)

    async def scenario() -> list[tuple[str, int]]:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
            return await _answered_in_order(client, served, [hoarder, singles], busy)

    answered = asyncio.run(scenario())
    assert [status for _, status in answered] == [200] * 25, answered
    order = [label for label, _ in answered]
    # Round-robin by user: each single arrived behind all twenty, and is answered before
    # the hoarder's tenth (first in, first out would answer them last).
    tenth = [i for i, label in enumerate(order) if label == "hoarder"][9]
    assert all(order.index(name) < tenth for name in ("s1", "s2", "s3", "s4", "s5")), order


def test_an_interactive_page_goes_ahead_of_queued_exports(serve: Callable[..., Served]) -> None:
    served = serve(query_queue_wait_s=60)
    users = _users(served, ["exporter", "viewer"])
    # Three different exports: the same one thrice would be counted once, and queue once.
    exports = [(f"export{i}", "/api/exports", _export(i), users["exporter"]) for i in range(3)]
    page = [("page", "/api/query", PAGE, users["viewer"])]
    busy = Busy(served)
    admitted: list[Priority] = []
    served.admission.observe(
        lambda p, outcome, _s: admitted.append(p) if outcome == "admitted" else None
    )

    async def scenario() -> list[tuple[str, int]]:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
            return await _answered_in_order(client, served, [exports, page], busy)

    answered = asyncio.run(scenario())
    assert sorted(answered) == [("export0", 202), ("export1", 202), ("export2", 202), ("page", 200)]
    # The page arrived last, behind three waiting exports, and got the freed worker first.
    # (Which answer reaches its client first is not the queue's to decide: an export's
    # answer needs less work after its statement than a page's.)
    assert admitted[0] == Priority.INTERACTIVE, admitted
    assert admitted.count(Priority.BACKGROUND) == 3, admitted


def test_a_query_that_waits_too_long_gets_503_overloaded_with_retry_after(
    serve: Callable[..., Served],
) -> None:
    served = serve(query_queue_wait_s=0.5)
    admin = _users(served, [])[ADMIN]
    busy = Busy(served)
    try:
        started = time.monotonic()
        r = httpx.post(f"{served.url}/api/query", json=PAGE, headers=admin, timeout=30)
        waited = time.monotonic() - started
    finally:
        busy.free()
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "overloaded"
    assert r.json()["error"]["message"]
    assert int(r.headers["Retry-After"]) >= 1
    assert waited >= 0.5  # it waited its turn before being refused
    timeouts = 'aurora_query_queue_wait_seconds_count{outcome="timeout",priority="interactive"}'
    assert _metric(served, admin, timeouts) == 1
    # The worker is free again: the same query is answered.
    assert httpx.post(f"{served.url}/api/query", json=PAGE, headers=admin).status_code == 200


def test_a_client_that_disconnects_while_queued_leaves_the_queue_and_its_query_never_runs(
    serve: Callable[..., Served],
) -> None:
    served = serve(query_queue_wait_s=60)
    admin = _users(served, [])[ADMIN]
    waiting = 'aurora_query_queue_waiting{priority="interactive"}'
    admitted = 'aurora_query_queue_wait_seconds_count{outcome="admitted",priority="interactive"}'
    left = 'aurora_query_queue_wait_seconds_count{outcome="left",priority="interactive"}'
    busy = Busy(served)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
            request = asyncio.create_task(client.post("/api/query", json=PAGE, headers=admin))
            await _until(lambda: _metric(served, admin, waiting) == 1, "the query is queued")
            request.cancel()  # the client goes away; its connection closes
            await asyncio.gather(request, return_exceptions=True)
            await _until(lambda: _metric(served, admin, waiting) == 0, "it left the queue", 5)

    try:
        asyncio.run(scenario())
        assert _metric(served, admin, left) == 1
    finally:
        busy.free()
    time.sleep(0.3)  # were it still queued, the free worker would run it now
    assert _metric(served, admin, admitted) == 1  # the holder's slot only: it never ran
    assert _metric(served, admin, "aurora_query_queue_running") == 0
