"""A burst of logins waits in the login pool, not on the worker threads page requests need.

argon2 at the recommended profile is slow by design. Sync routes (the dataset list, a
dataset's detail) run on the server's shared worker threads; when logins held those threads
while hashing, a page request arriving during a burst of logins waited behind them.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI

from backend.main import create_app
from backend.security.passwords import LOGIN_THREADS, Passwords
from backend.store.engine import Store
from bench.harness import warehouse
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, make_settings, wipe

LOGINS = 6
WORKER_THREADS = 2  # a small server, so a burst of logins is bigger than its thread pool


async def _burst(client: httpx.AsyncClient, token: str) -> list[tuple[str, int]]:
    """Fire LOGINS logins, then one dataset list; the order in which they were answered."""
    answered: list[tuple[str, int]] = []

    async def login() -> None:
        body = {"username": ADMIN, "password": ADMIN_PASSWORD}
        r = await client.post("/api/auth/login", json=body)
        answered.append(("login", r.status_code))

    async def datasets() -> None:
        await asyncio.sleep(0.05)  # the logins are in first
        r = await client.get("/api/datasets", headers={"Authorization": f"Bearer {token}"})
        answered.append(("datasets", r.status_code))

    await asyncio.gather(*[login() for _ in range(LOGINS)], datasets())
    return answered


async def _scenario(app: FastAPI) -> list[tuple[str, int]]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://aurora") as client,
    ):
        body = {"username": ADMIN, "password": ADMIN_PASSWORD}
        first = await client.post("/api/auth/login", json=body)
        assert first.status_code == 200, first.text
        return await _burst(client, first.json()["access_token"])


def test_a_page_request_is_answered_while_a_burst_of_logins_waits_its_turn(
    metadata_store: Store, tmp_path: Path
) -> None:
    wipe(metadata_store)
    (tmp_path / "warehouse").mkdir()
    settings = make_settings(tmp_path, metadata_store, argon2_profile="default")
    answered = asyncio.run(_scenario(create_app(settings)))
    assert sorted(answered) == sorted([("login", 200)] * LOGINS + [("datasets", 200)])
    # Logins run one at a time in their own pool: the dataset list, asked for after all six
    # logins, is answered before the second of them (it used to wait behind four).
    assert [name for name, _ in answered].index("datasets") <= 1, answered


BURST = 50  # sign-ins at once, as when a team arrives at nine
PAGES = 12  # asked one after another by a user already in, while the burst runs


async def _pages_during_a_burst(app: FastAPI) -> tuple[list[int], list[int], int]:
    """BURST logins at once; meanwhile a signed-in user's pages (dataset list, detail, a
    grid page) one after another. Per page, how many logins had finished when it was
    answered; each login's status; the most verifications that ever ran at once."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    body = {"username": ADMIN, "password": ADMIN_PASSWORD}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://aurora", timeout=300) as client,
    ):
        first = await client.post("/api/auth/login", json=body)
        assert first.status_code == 200, first.text
        auth = {"Authorization": f"Bearer {first.json()['access_token']}"}
        grid = {"dataset": "global_sales", "columns": ["order_id", "revenue"], "page_size": 50}
        pages = [
            lambda: client.get("/api/datasets", headers=auth),
            lambda: client.get("/api/datasets/global_sales", headers=auth),
            lambda: client.post("/api/query", json=grid, headers=auth),
        ]
        logins = [
            asyncio.create_task(client.post("/api/auth/login", json=body)) for _ in range(BURST)
        ]
        await asyncio.sleep(0.05)  # every login is in before the first page
        done_at: list[int] = []
        for i in range(PAGES):
            answer = await pages[i % len(pages)]()
            assert answer.status_code == 200, answer.text
            done_at.append(sum(t.done() for t in logins))
        statuses = [r.status_code for r in await asyncio.gather(*logins)]
    return done_at, statuses, _Concurrency.most


class _Concurrency:
    """How many password verifications run at once (wrapping Passwords.verify)."""

    now = 0
    most = 0
    lock = threading.Lock()

    @classmethod
    def wrap(cls, verify: Any) -> Any:
        def counted(self: Passwords, stored: str | None, password: str) -> bool:
            with cls.lock:
                cls.now += 1
                cls.most = max(cls.most, cls.now)
            try:
                return bool(verify(self, stored, password))
            finally:
                with cls.lock:
                    cls.now -= 1

        return counted


@pytest.mark.slow  # 50 real argon2 verifications, one at a time: seconds
def test_pages_of_signed_in_users_do_not_queue_behind_fifty_logins(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wipe(sqlite_store)  # the pool is the same whatever the metadata store
    monkeypatch.setattr(_Concurrency, "most", 0)
    monkeypatch.setattr(Passwords, "verify", _Concurrency.wrap(Passwords.verify))
    # OWASP's argon2id profile: real argon2 work, a fifth of the recommended one's, so the
    # burst is seconds, not minutes, on a shared machine; the pool is the same.
    settings = make_settings(
        tmp_path, sqlite_store, argon2_profile="owasp", data_dir=warehouse(20_000)
    )
    done_at, statuses, most = asyncio.run(_pages_during_a_burst(create_app(settings)))
    assert statuses == [200] * BURST  # every sign-in of the burst got in
    assert most == LOGIN_THREADS  # never more verifications at once than the pool's size
    # Measured as queueing, not time: the signed-in user's pages were all answered while
    # most of the burst still waited its turn. A page that queued behind the logins (on the
    # server's worker threads, as before the pool) is answered only after nearly all 50.
    assert done_at[-1] <= BURST // 2, done_at
