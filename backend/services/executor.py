"""Runs blocking adapter calls off the event loop, bounded, with timeout and cancel.

A slow query must never stall other requests: calls run in a fixed pool of threads, one
per admission slot; when all are busy, calls wait their turn in the fair queue of
`backend.services.admission` (503 Retry-After only after QUERY_QUEUE_WAIT_S). Timeouts and
client disconnects interrupt the database work itself (through the adapter's cancel), not
just the waiting.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from adapters.base import (
    AdapterQueryError,
    DatabaseAdapter,
    QueryCancelledError,
    UnsafeStatementError,
)
from backend.errors import DatabaseError, QueryCancelled, QueryTimeout
from backend.services.admission import Admission

log = logging.getLogger("aurora.query")

T = TypeVar("T")

# Grace period past the timeout: the adapter interrupts at `timeout_s`; this only bounds
# how long we wait for the interrupted thread to hand back control.
_GRACE_S = 1.5


class QueryExecutor:
    def __init__(self, adapter: DatabaseAdapter, admission: Admission) -> None:
        self._adapter = adapter
        self.admission = admission
        self._pool = ThreadPoolExecutor(max_workers=admission.slots, thread_name_prefix="query")
        self._lock = threading.Lock()
        self.in_flight = 0  # running plus waiting; read by the metrics

    def _enter(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta

    async def run(
        self, fn: Callable[[str], T], *, timeout_s: float | None, query_id: str | None = None
    ) -> T:
        """Run `fn(query_id)` in the pool. `fn` passes the id to the adapter so that a
        timeout or a cancelled request can interrupt exactly its statement."""
        qid = query_id or uuid.uuid4().hex
        self._enter(1)
        try:
            async with self.admission.slot():
                return await self._await(fn, qid, timeout_s)
        finally:
            self._enter(-1)

    async def _await(self, fn: Callable[[str], T], qid: str, timeout_s: float | None) -> T:
        future = asyncio.get_running_loop().run_in_executor(self._pool, fn, qid)
        limit = None if timeout_s is None else timeout_s + _GRACE_S
        try:
            return await asyncio.wait_for(asyncio.shield(future), limit)
        except TimeoutError as e:
            self._abandon(future, qid)
            raise _timeout(timeout_s) from e
        except asyncio.CancelledError:
            # The client went away: stop the database work too.
            self._abandon(future, qid)
            raise
        except QueryCancelledError as e:
            if getattr(e, "reason", "timeout") == "timeout":
                raise _timeout(timeout_s) from e
            raise QueryCancelled("The query was cancelled.") from e
        except (AdapterQueryError, UnsafeStatementError) as e:
            # Specs are validated before SQL exists, so this is our bug or the database's
            # trouble: log the database's words, tell the user something they can act on.
            log.warning("database refused a statement: %s", e)
            raise DatabaseError(DatabaseError.REFUSED) from e

    def _abandon(self, future: asyncio.Future[T], qid: str) -> None:
        """Interrupt a statement nobody waits for any more; its error (the interrupt) is
        read when it comes, or asyncio logs "Future exception was never retrieved"."""
        self._adapter.cancel(qid)
        future.add_done_callback(_retrieve)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _timeout(timeout_s: float | None) -> QueryTimeout:
    return QueryTimeout(
        f"The query ran longer than {timeout_s:g} s and was stopped. "
        "Add filters (a date range, a department or a load id) or aggregate to make it faster."
    )
