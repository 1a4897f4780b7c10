"""Scans of a slice's statistics, each run once for every query that needs it meanwhile.

A viewer under row-level security has each query gated by statistics of their own slice
(`backend.services.cost_gate.SliceGate`), scanned once per relation, data version and slice.
A cold dashboard asks all its tiles at once, and each tile found the statistics missing:
each took a query worker to scan the same slice (ten scans of the same rows for ten tiles),
then queued again for a second worker to run its own statement. Here the queries that need
the same scan share one run of it, in one worker; deciding from cached statistics is CPU
work that needs no worker at all (`QueryService._decide`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from backend.catalog.models import Dataset
from backend.services.cost_gate import SliceGate
from backend.services.estimates import Input
from backend.services.executor import QueryExecutor

ScanKey = tuple[str, str, str, frozenset[str]]

# Rounds of "scan what is missing" before giving up (a scan of other columns of the same
# slice may land between two looks; statistics evicted meanwhile are scanned again).
_ROUNDS = 3


@dataclass
class _Flight:
    task: asyncio.Task[None]
    loop: asyncio.AbstractEventLoop
    waiters: int = 0


class SliceScans:
    """`ready(tree, datasets)`: the statistics of every slice `tree` reads are cached, each
    missing one scanned by one query worker for all its concurrent askers."""

    def __init__(self, gate: SliceGate, executor: QueryExecutor) -> None:
        self._gate, self._executor = gate, executor
        self._flights: dict[ScanKey, _Flight] = {}

    async def ready(self, tree: exp.Select, datasets: Sequence[Dataset]) -> bool:
        """Scan what the slices lack (or join the scan of it already running); whether all
        is cached now (False only when statistics keep being evicted)."""
        for _ in range(_ROUNDS):
            todo = self._gate.todo(tree, datasets)
            if not todo:
                return True
            await asyncio.gather(*(self._scan(d, read, cols) for d, read, cols in todo))
        return not self._gate.todo(tree, datasets)

    async def _scan(self, dataset: Dataset, read: Input, columns: set[str]) -> None:
        key = (dataset.relation, dataset.version, read.scope, frozenset(columns))
        loop = asyncio.get_running_loop()
        flight = self._flights.get(key)
        if flight is None or flight.loop is not loop or flight.task.done():
            work = self._executor.run(
                lambda _qid: self._gate.stats.load(dataset, read, columns), timeout_s=None
            )
            flight = _Flight(loop.create_task(work), loop)
            self._flights[key] = flight
            flight.task.add_done_callback(lambda task: self._landed(key, task))
        await self._join(flight)

    def _landed(self, key: ScanKey, task: asyncio.Task[None]) -> None:
        if (flight := self._flights.get(key)) is not None and flight.task is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved here: its waiters may all have gone

    @staticmethod
    async def _join(flight: _Flight) -> None:
        """Wait for the scan; the last waiter to go away (a client gone) cancels it, and so
        its statement, as when each query scanned on its own."""
        flight.waiters += 1
        try:
            await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()
