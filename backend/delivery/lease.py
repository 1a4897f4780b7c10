"""Leases on delivery work: a claim is stamped with its time and renewed while the work runs,
so a claim whose stamp is older than LEASE_S belongs to a worker or ticker that died, and
may be claimed again (the re-claim is one conditional UPDATE: one taker wins).

What the first holder sent is not sent again: each send is a `deliveries` row keyed by its
occasion, channel and recipient (backend.delivery.outbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable

log = logging.getLogger("aurora.delivery")

HEARTBEAT_S = 30.0
# Four missed heartbeats: long enough that a busy event loop or a slow store does not
# make a live holder look dead, short enough that a crashed run is sent within minutes.
LEASE_S = 120.0


def stale_before(now: dt.datetime, lease_s: float = LEASE_S) -> dt.datetime:
    """Claims stamped before this have lost their holder.

    >>> import datetime as dt
    >>> stale_before(dt.datetime(2026, 1, 1, 12, 0), 120).isoformat()
    '2026-01-01T11:58:00'
    """
    return now - dt.timedelta(seconds=lease_s)


@contextlib.asynccontextmanager
async def heartbeat(renew: Callable[[], None], every_s: float = HEARTBEAT_S) -> AsyncIterator[None]:
    """Call `renew` (in a thread) every `every_s` seconds while the block runs."""
    task = asyncio.create_task(_beat(renew, every_s))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _beat(renew: Callable[[], None], every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(renew)
        except Exception:  # a missed beat is survivable; the lease is four beats long
            log.warning("renewing a delivery lease failed", exc_info=True)
