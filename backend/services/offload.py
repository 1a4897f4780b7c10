"""The CPU work of a request, off the event loop: compiling, rendering, encoding pages.

One API process serves every user from one event loop. Compiling a spec (sqlglot builds and
copies trees), rendering it to SQL and encoding a 1,000-row page are pure-Python CPU work
of milliseconds to, for a spec near the compile budget (backend.query.budget), seconds;
on the loop, that time stalls every other request, cached pages included. So it runs here:
one small pool per process, shared by every route that compiles (query, preview, explain,
sql, totals, values, AG Grid, exports). Bounded twice: COMPILE_THREADS at a time, and each
compile by its budget; requests waiting their turn are coroutines that hold no thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi.responses import JSONResponse

T = TypeVar("T")

# Threads share the GIL: more than the cores buys no speed, only memory and switching.
COMPILE_THREADS = min(4, os.cpu_count() or 2)

# Below this many cells a page encodes faster than a hop to a thread and back.
INLINE_CELLS = 2_000

_pool = ThreadPoolExecutor(COMPILE_THREADS, thread_name_prefix="aurora-compile")


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in the compile pool, with the caller's context (request id, ticket)."""
    context = contextvars.copy_context()
    return await asyncio.wrap_future(_pool.submit(context.run, fn, *args))


def in_pool(fn: Callable[..., T], *args: Any) -> T:
    """Blocking `off_loop` for sync routes (they run on the server's worker threads): the
    compile still waits for, and is counted in, the one bounded pool."""
    context = contextvars.copy_context()
    return _pool.submit(context.run, fn, *args).result()


async def json_response(build: Callable[[], dict[str, Any]], cells: int) -> JSONResponse:
    """The response `build()` describes, built and encoded off the loop when it is big
    (`cells`: rows x columns, the cost of both)."""
    if cells < INLINE_CELLS:
        return JSONResponse(build())
    return await off_loop(lambda: JSONResponse(build()))


def cells(rows: Sequence[Sized]) -> int:
    """Rows x columns of a page, what building and encoding it costs.

    >>> cells([[1, 2, 3], [4, 5, 6]]), cells([])
    (6, 0)
    """
    return len(rows) * len(rows[0]) if rows else 0
