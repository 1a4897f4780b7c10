"""Stop the database work of a request whose client has gone away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import Request

from backend.errors import QueryCancelled

T = TypeVar("T")

_POLL_S = 0.25


async def cancel_on_disconnect(request: Request, work: Awaitable[T]) -> T:
    """Await `work`; if the client disconnects first, cancel it (the executor then
    interrupts the statement in the database)."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_POLL_S)
            if done:
                return task.result()
            if await request.is_disconnected():
                task.cancel()
                raise QueryCancelled("The client disconnected; the query was cancelled.")
    finally:
        if not task.done():
            task.cancel()
