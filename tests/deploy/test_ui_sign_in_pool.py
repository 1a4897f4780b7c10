"""Sign-ins do not starve pages on the UI server's way to the API: a burst of them, waiting
for the API's login pool (argon2 at its recommended cost, one thread), takes at most
LOGIN_CONNECTIONS connections, and a page asked for meanwhile is answered before they end.
Connections are counted on this process's real sockets to a real API process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psutil
import pytest

import aurora.api_client
from aurora.api_client import LOGIN_CONNECTIONS, ApiClient, ApiError
from bench.harness import warehouse
from tests.deploy.servers import ADMIN_PASSWORD, base_env, login, running

pytestmark = pytest.mark.slow

SIGN_INS = 24


def _open_to(port: int) -> int:
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


async def _burst(port: int, token: str) -> tuple[int, list[Any], int, list[Any]]:
    """Sign-ins all at once, a page (the dataset list) while they wait: the most sockets
    open to the API, the page, how many sign-ins were still waiting, their answers."""
    peak = 0
    signing_in = [
        asyncio.create_task(ApiClient().login("admin", ADMIN_PASSWORD)) for _ in range(SIGN_INS)
    ]
    for _ in range(5):  # the sign-ins are on their way
        await asyncio.sleep(0.05)
        peak = max(peak, _open_to(port))
    listing = await ApiClient(token).datasets()
    waiting = sum(not t.done() for t in signing_in)
    while not all(t.done() for t in signing_in):
        peak = max(peak, _open_to(port))
        await asyncio.sleep(0.02)
    answers = await asyncio.gather(*signing_in, return_exceptions=True)
    await aurora.api_client._sign_in_client().aclose()
    await aurora.api_client._shared_client().aclose()
    return peak, listing, waiting, answers


def test_a_burst_of_sign_ins_leaves_the_pages_their_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = base_env(warehouse(20_000), tmp_path / "state", AURORA_ARGON2_PROFILE="default")
    with running(env, tmp_path) as api:
        monkeypatch.setenv("AURORA_API_URL", api.url)
        monkeypatch.setattr(aurora.api_client, "_client", None)
        monkeypatch.setattr(aurora.api_client, "_login_client", None)
        peak, listing, waiting, answers = asyncio.run(_burst(api.port, login(api.url)))
    assert listing, "the page got no answer"
    assert waiting > 0, "the sign-ins were over before the page was asked for"
    # Each signed in, or (a sign-in left waiting 10 s for a connection) was told to retry.
    assert all(
        (isinstance(a, dict) and a.get("access_token"))
        or (isinstance(a, ApiError) and a.code == "api_unreachable")
        for a in answers
    ), answers
    assert any(isinstance(a, dict) for a in answers)
    assert peak <= LOGIN_CONNECTIONS + 1  # the sign-ins' own, and the page's
