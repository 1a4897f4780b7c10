"""The heartbeat renews a lease while the work runs, and stops when it ends (a holder that
died renews nothing, which is how its claim goes stale)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from backend.delivery.lease import heartbeat


async def _until(done: Callable[[], bool], timeout_s: float = 10) -> None:
    """Until `done()`, not a fixed sleep: on a loaded machine a 10 ms beat, each in a thread,
    comes late, and a block of a fixed 50 ms saw one failed renewal, not two."""
    async with asyncio.timeout(timeout_s):
        while not done():
            await asyncio.sleep(0.01)


def test_the_heartbeat_renews_while_the_block_runs_and_stops_after() -> None:
    beats: list[int] = []

    async def work() -> int:
        async with heartbeat(lambda: beats.append(1), every_s=0.01):
            await _until(lambda: len(beats) >= 3)
        during = len(beats)
        await asyncio.sleep(0.05)
        return during

    during = asyncio.run(work())
    assert during >= 3
    assert len(beats) == during  # none after the block


def test_a_failed_renewal_does_not_end_the_work() -> None:
    calls: list[int] = []

    def renew() -> None:
        calls.append(1)
        raise OSError("store unreachable")

    async def work() -> str:
        async with heartbeat(renew, every_s=0.01):
            await _until(lambda: len(calls) >= 2)  # a beat after the failed one
        return "done"

    assert asyncio.run(work()) == "done" and len(calls) >= 2
