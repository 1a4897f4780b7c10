"""One count per key while it runs, including the moment between its end and the loop's
running of its done-callbacks (where it is filed as known): a request that arrived in that
gap saw a finished flight and nothing known, and counted again."""

from __future__ import annotations

import asyncio

from backend.services.counts import Counts


def test_a_count_asked_for_as_the_running_one_ends_is_not_run_again() -> None:
    async def scenario() -> tuple[int, int]:
        counts, runs = Counts(ttl_s=60), 0

        async def compute() -> int:
            nonlocal runs
            runs += 1
            return 42

        task = counts.start("q", compute)
        while not task.done():  # wakes before the loop runs the task's done-callbacks
            await asyncio.sleep(0)
        answer = await counts.count("q", compute)
        return answer, runs

    assert asyncio.run(scenario()) == (42, 1)
