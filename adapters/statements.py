"""Running statements by query id, so a timeout or a `cancel()` can interrupt them.

Each adapter call registers its statement with a callable that interrupts it (for DuckDB the
cursor's `interrupt`). Stopping repeats that interrupt until the statement ends, because DuckDB
forgets an interrupt that arrives before the statement has started (measured on 2.0.0).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from adapters.base import CancelReason

_REPEAT_S = 0.05
_GIVE_UP_S = 60.0  # a stream nobody reads never finishes; stop knocking after this long


def _nothing() -> None:
    pass


class RunningStatement:
    """One statement in flight. `reason` is set once it has been asked to stop."""

    def __init__(self, query_id: str, interrupt: Callable[[], None]) -> None:
        self.query_id = query_id
        self.reason: CancelReason | None = None
        self._interrupt = interrupt
        self._lock = threading.Lock()
        self._finished = threading.Event()

    def stop(self, reason: CancelReason) -> None:
        """Interrupt until the statement ends; blocks, so call it off the query's thread."""
        with self._lock:
            if self._finished.is_set():
                return
            self.reason = self.reason or reason
        give_up = time.monotonic() + _GIVE_UP_S
        while time.monotonic() < give_up:
            with self._lock:  # never interrupt a cursor the owner has already closed
                if self._finished.is_set() or not self._knock():
                    return
            self._finished.wait(_REPEAT_S)

    def _knock(self) -> bool:
        """One interrupt; False when there is nothing left to interrupt: the connection
        was closed under the statement (the adapter shutting down), which ends it too."""
        try:
            self._interrupt()
        except Exception:  # the driver's "connection already closed", whatever its class
            return False
        return True

    def finish(self) -> None:
        with self._lock:
            self._finished.set()
            # The watchdog may hold this object until its deadline; let the cursor go now.
            self._interrupt = _nothing

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout_s: float) -> bool:
        return self._finished.wait(timeout_s)


class _Watchdog:
    """One thread for every timeout: starting a timer thread per query costs about 1.5 ms
    (measured), a heap entry costs nothing. Only a statement that overruns gets a thread,
    which interrupts it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, RunningStatement]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, statement: RunningStatement, timeout_s: float) -> None:
        entry = (time.monotonic() + timeout_s, next(self._order), statement)
        with self._cond:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True)
                self._thread.start()
            self._cond.notify()

    def _next_overrun(self) -> RunningStatement:
        with self._cond:
            while True:
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                return heapq.heappop(self._heap)[2]

    def _loop(self) -> None:
        while True:
            statement = self._next_overrun()
            if not statement.finished:
                threading.Thread(target=statement.stop, args=("timeout",), daemon=True).start()


class StatementRegistry:
    """The statements an adapter is running, by query id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, RunningStatement] = {}
        self._watchdog = _Watchdog()

    @contextmanager
    def track(
        self, query_id: str | None, interrupt: Callable[[], None], timeout_s: float | None
    ) -> Iterator[RunningStatement]:
        """Register a statement for the duration of the block, with an optional timeout."""
        statement = RunningStatement(query_id or uuid.uuid4().hex, interrupt)
        with self._lock:
            if statement.query_id in self._running:
                raise ValueError(f"A query with id {statement.query_id!r} is already running.")
            self._running[statement.query_id] = statement
        if timeout_s is not None:
            self._watchdog.watch(statement, timeout_s)
        try:
            yield statement
        finally:
            statement.finish()
            with self._lock:
                self._running.pop(statement.query_id, None)

    def cancel(self, query_id: str) -> bool:
        """Ask the statement to stop; returns at once. False when no such statement runs."""
        with self._lock:
            statement = self._running.get(query_id)
        if statement is None:
            return False
        threading.Thread(target=statement.stop, args=("cancelled",), daemon=True).start()
        return True

    def cancel_all(self, wait_s: float = 0.0) -> None:
        """Ask every statement to stop; wait up to `wait_s` for them to end (a connection
        closed under a running statement answers "connection is busy")."""
        with self._lock:
            running = list(self._running.values())
        for statement in running:
            self.cancel(statement.query_id)
        deadline = time.monotonic() + wait_s
        for statement in running:
            statement.wait(max(0.0, deadline - time.monotonic()))
