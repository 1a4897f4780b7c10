"""Admission to the database: a fair queue in front of the query workers.

A burst is admitted, not refused: a query that finds every worker busy waits, for at most
`QUERY_QUEUE_WAIT_S`, and only then gets 503 `overloaded` with Retry-After. Who goes next
when a worker frees up:

1. Interactive work (pages, grids, previews) before background work (exports, schedules).
2. Within a priority, a request that already ran a statement (its count after its page,
   its page after its cost gate) before new requests: half-answered pages finish first.
3. New requests round-robin by user: one from each user in turn, so one user's 20 queued
   requests cannot starve 199 others with one each.

A waiter whose task is cancelled (its client disconnected) leaves the queue at once, and
its query never runs. Which user and priority a statement belongs to comes from the
request's `Ticket` (a context variable set per request by `backend.admission_lanes`);
work outside a request is interactive work of no user.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypeVar

from backend.errors import Overloaded

T = TypeVar("T")


class Priority(IntEnum):
    INTERACTIVE = 0
    BACKGROUND = 1


@dataclass
class Ticket:
    """One request's place in line: its user, its priority, and whether it ran before."""

    user: str = ""
    priority: Priority = Priority.INTERACTIVE
    admitted: bool = field(default=False, compare=False)


current_ticket: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar(
    "aurora_admission_ticket", default=None
)


async def on_its_own(work: Awaitable[T]) -> T:
    """Await `work` as a new request of the same user and priority. For the coroutine of a
    task a request starts and need not wait for (its page's count): such work takes turns
    with other users' new requests instead of going ahead of them as a continuing one."""
    ticket = current_ticket.get()
    if ticket is not None:  # the task's own copy of the context: the request keeps its own
        current_ticket.set(Ticket(ticket.user, ticket.priority))
    return await work


Observer = Callable[[Priority, str, float], None]
"""Told (priority, outcome, seconds waited) as a waiter leaves the queue; outcome is one
of `admitted`, `timeout`, `full` or `left` (cancelled while waiting)."""


class _Line:
    """The waiters of one priority: continuing requests first (FIFO), then new requests
    round-robin by user (`OrderedDict` order is the turn order)."""

    def __init__(self) -> None:
        self.continuing: deque[asyncio.Future[None]] = deque()
        self.by_user: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self.size = 0

    def push(self, ticket: Ticket, waiter: asyncio.Future[None]) -> None:
        if ticket.admitted:
            self.continuing.append(waiter)
        else:
            self.by_user.setdefault(ticket.user, deque()).append(waiter)
        self.size += 1

    def pop(self) -> asyncio.Future[None] | None:
        if self.continuing:
            self.size -= 1
            return self.continuing.popleft()
        if not self.by_user:
            return None
        user, waiters = self.by_user.popitem(last=False)
        waiter = waiters.popleft()
        if waiters:
            self.by_user[user] = waiters  # back of the line: the next user's turn
        self.size -= 1
        return waiter

    def remove(self, ticket: Ticket, waiter: asyncio.Future[None]) -> None:
        waiters = self.continuing if ticket.admitted else self.by_user.get(ticket.user)
        if waiters is None or waiter not in waiters:
            return
        waiters.remove(waiter)
        self.size -= 1
        if not waiters and not ticket.admitted:
            del self.by_user[ticket.user]


class Admission:
    """`slots` statements at once; up to `max_waiting` more wait, each for at most `wait_s`.

    Lives on one event loop (the API process's); `slot()` is the only way in.
    """

    def __init__(self, slots: int, *, wait_s: float, max_waiting: int) -> None:
        self.slots, self.wait_s, self.max_waiting = slots, wait_s, max_waiting
        self.running = 0
        self._lines = {p: _Line() for p in Priority}
        self._observers: list[Observer] = []

    def observe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def waiting(self, priority: Priority | None = None) -> int:
        if priority is not None:
            return self._lines[priority].size
        return sum(line.size for line in self._lines.values())

    @asynccontextmanager
    async def slot(self, ticket: Ticket | None = None) -> AsyncIterator[None]:
        ticket = ticket or current_ticket.get() or Ticket()
        await self._acquire(ticket)
        ticket.admitted = True
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, ticket: Ticket) -> None:
        if self.running < self.slots and not self.waiting():
            self.running += 1
            self._told(ticket.priority, "admitted", 0.0)
            return
        if self.waiting() >= self.max_waiting:
            self._told(ticket.priority, "full", 0.0)
            raise self._overloaded()
        await self._wait(ticket)

    async def _wait(self, ticket: Ticket) -> None:
        line, started = self._lines[ticket.priority], time.monotonic()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line.push(ticket, waiter)
        try:
            await asyncio.wait({waiter}, timeout=self.wait_s)
        except asyncio.CancelledError:
            self._leave(ticket, waiter, "left", started)
            raise
        if not waiter.done():
            self._leave(ticket, waiter, "timeout", started)
            raise self._overloaded()
        self._told(ticket.priority, "admitted", time.monotonic() - started)

    def _leave(
        self, ticket: Ticket, waiter: asyncio.Future[None], outcome: str, started: float
    ) -> None:
        if waiter.done():  # handed a slot as it gave up: pass the slot on
            self._release()
        else:
            self._lines[ticket.priority].remove(ticket, waiter)
            waiter.cancel()
        self._told(ticket.priority, outcome, time.monotonic() - started)

    def _release(self) -> None:
        """Hand the slot to the next waiter (it stays taken), or free it."""
        for priority in Priority:
            waiter = self._lines[priority].pop()
            if waiter is not None:
                waiter.set_result(None)
                return
        self.running -= 1

    def _overloaded(self) -> Overloaded:
        return Overloaded(
            "Aurora is busy with other queries right now; please try again in a moment.",
            retry_after=max(1, math.ceil(self.wait_s / 2)),
        )

    def _told(self, priority: Priority, outcome: str, waited_s: float) -> None:
        for observer in self._observers:
            observer(priority, outcome, waited_s)
