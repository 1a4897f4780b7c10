"""Row counts off the page's critical path: known ones from the cache, the rest counted once.

A page starts the count of its query once its own rows are in (not beside them: on two
cores the count took the page's CPU) and never waits for it: the answer carries
`total_rows` when the count is known (cached, from the files' footers, or the rows showed
the end), else `total_pending`, and `POST /api/count` joins the count
still running instead of starting another. A count nobody waits for any more (the page's
block showed the end first) is cancelled, and with it the database work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from backend.services.admission import on_its_own
from backend.services.ttl_cache import TtlCache

Compute = Callable[[], Coroutine[Any, Any, int]]


@dataclass
class _Flight:
    task: asyncio.Task[int]
    loop: asyncio.AbstractEventLoop
    waiters: int = 0


class Counts:
    """Counts by key (the count query's canonical SQL and the data versions), each computed
    by one flight per event loop; finished counts are kept `ttl_s` seconds."""

    def __init__(self, *, ttl_s: float, maxsize: int = 2048, max_bytes: int | None = None) -> None:
        self._known: TtlCache[int] = TtlCache(maxsize=maxsize, ttl_s=ttl_s, max_bytes=max_bytes)
        self._flights: dict[str, _Flight] = {}

    @property
    def bytes(self) -> int:
        """The bytes of the kept counts (their keys: the count's SQL and data versions)."""
        return self._known.bytes

    def known(self, key: str) -> int | None:
        return self._known.get(key)

    def settle(self, key: str, total: int) -> None:
        """`total` learnt another way (the last block): keep it, and stop a count that
        nobody but its starter wanted."""
        self._known.put(key, total)
        flight = self._flights.get(key)
        if flight is not None and flight.waiters == 0 and not flight.task.done():
            flight.task.cancel()

    def start(self, key: str, compute: Compute) -> asyncio.Task[int]:
        """The running count of `key`, started now when none runs; not awaited here."""
        return self._flight(key, compute).task

    async def count(self, key: str, compute: Compute) -> int:
        """The count of `key`: known, or awaited (joining the flight that runs it)."""
        found = self._known.get(key)
        if found is not None:
            return found
        flight = self._flight(key, compute)
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1

    def _flight(self, key: str, compute: Compute) -> _Flight:
        loop = asyncio.get_running_loop()
        flight = self._flights.get(key)
        # A flight that has ended well but whose done-callback (`_landed`) the loop has not
        # run yet still answers: nothing is known for the key in that gap.
        if flight is not None and flight.loop is loop and _answers(flight.task):
            return flight
        flight = _Flight(loop.create_task(on_its_own(compute())), loop)  # not ahead of pages
        self._flights[key] = flight
        flight.task.add_done_callback(lambda task: self._landed(key, task))
        return flight

    def _landed(self, key: str, task: asyncio.Task[int]) -> None:
        if (flight := self._flights.get(key)) is not None and flight.task is task:
            del self._flights[key]
        if task.cancelled() or task.exception() is not None:
            return  # the exception is retrieved: the page that started it may be gone
        self._known.put(key, task.result())


def _answers(task: asyncio.Task[int]) -> bool:
    """Running, or ended well (its result is the count)."""
    return not task.done() or finished(task) is not None


def finished(task: asyncio.Task[int] | None) -> int | None:
    """The result of a count that has already finished well, else None (never waits)."""
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()
