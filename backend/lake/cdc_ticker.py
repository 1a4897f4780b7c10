"""The CDC poll tick: claim every source whose poll is due and poll it.

The ARQ worker runs `tick` from a cron job every `TICK_S` seconds; without Redis, each API
process runs `loop`, the same tick on a timer. Either way the claim in the store
(backend.lake.cdc_sources) makes each due poll happen once. A source's lag from a committed
change to its new version is then at most its interval plus one tick plus the merge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from backend.lake.cdc_sources import CdcSources
from backend.store.base import utcnow

log = logging.getLogger("aurora.lake")

TICK_S = 1


async def tick(sources: CdcSources, after_change: Callable[[], None] | None = None) -> int:
    """Poll what is due now; how many polls made a new version."""
    claimed = await asyncio.to_thread(sources.claim_due, utcnow())
    changed = 0
    for source_id in claimed:
        _, done = await asyncio.to_thread(sources.run, source_id)
        changed += done is not None and done.version is not None
    if changed and after_change is not None:
        after_change()  # e.g. the catalog's refresh: the new version is read at once
    return changed


async def loop(sources: CdcSources, after_change: Callable[[], None] | None = None) -> None:
    """The in-process ticker (no Redis)."""
    while True:
        await asyncio.sleep(TICK_S)
        try:
            await tick(sources, after_change)
        except Exception:
            log.exception("cdc tick failed")
