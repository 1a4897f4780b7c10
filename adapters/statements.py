"""Running statements by query id, so a timeout or a `cancel()` can interrupt them.

Each adapter call registers its statement with a callable that interrupts it (for DuckDB the
cursor's `interrupt`). Stopping repeats that interrupt until the statement ends, because DuckDB
forgets an interrupt that arrives before the statement has started (measured on 2.0.0).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from adapters.base import CancelReason

_REPEAT_S = 0.05


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
        while True:
            with self._lock:  # never interrupt a cursor the owner has already closed
                if self._finished.is_set():
                    return
                self._interrupt()
            self._finished.wait(_REPEAT_S)

    def finish(self) -> None:
        with self._lock:
            self._finished.set()


class StatementRegistry:
    """The statements an adapter is running, by query id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, RunningStatement] = {}

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
        timer = None
        if timeout_s is not None:
            timer = threading.Timer(timeout_s, statement.stop, args=("timeout",))
            timer.daemon = True
            timer.start()
        try:
            yield statement
        finally:
            statement.finish()
            if timer is not None:
                timer.cancel()
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

    def cancel_all(self) -> None:
        with self._lock:
            ids = list(self._running)
        for query_id in ids:
            self.cancel(query_id)
