"""A burst of logins waits in the login pool, not on the worker threads page requests need.

argon2 at the recommended profile is slow by design. Sync routes (the dataset list, a
dataset's detail) run on the server's shared worker threads; when logins held those threads
while hashing, a page request arriving during a burst of logins waited behind them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import anyio.to_thread
import httpx
from fastapi import FastAPI

from backend.main import create_app
from backend.store.engine import Store
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
