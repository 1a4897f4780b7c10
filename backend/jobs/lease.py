"""The lease of a running ARQ export: ARQ's own in-progress key, kept short by a heartbeat.

ARQ marks a job taken by setting `arq:in-progress:<job id>` with a TTL of the longest job
timeout + 10 s, and any worker polling the queue starts a job whose key is gone (it stays
in the queue until it finishes). So the key *is* a lease, only a long one. While the export
runs, this heartbeat sets its TTL to `EXPORT_LEASE_S` every `lease / 6` seconds: a worker
that dies stops renewing it, and another worker takes the job up to a lease later, with
`ctx['job_try']` one higher. `AURORA_EXPORT_TIMEOUT_S` stays the bound of one attempt.

Each beat also records the attempt in the store; a beat that finds the key gone re-takes it
only if no other worker has (SET NX), and a beat that finds a later attempt in the store
gives up. Losing the lease stops this attempt's writer (`on_lost`), whose writes are fenced
by attempt number, so two attempts never both count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from backend.jobs.state import JobStore

log = logging.getLogger("aurora.exports")

BEATS_PER_LEASE = 6
MIN_BEAT_S = 0.2


class Lease:
    def __init__(
        self,
        redis: ArqRedis,
        arq_job_id: str,
        seconds: float,
        on_lost: Callable[[], object],
        fence: tuple[JobStore, str, int],
    ) -> None:
        self._redis, self._key = redis, in_progress_key_prefix + arq_job_id
        self._ms = max(1, int(seconds * 1000))
        self._every = max(MIN_BEAT_S, seconds / BEATS_PER_LEASE)
        self._on_lost = on_lost
        self._jobs, self._job_id, self._attempt = fence
        self._task: asyncio.Task[None] | None = None
        self.lost = False

    async def __aenter__(self) -> Lease:
        await self._renew_key()  # at once: ARQ took the job with a TTL of the timeout + 10 s
        self._task = asyncio.create_task(self._beat(), name=f"lease-{self._key}")
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            if not (await self._still_ours() and await self._renew_key()):
                log.warning("export lease %s lost; this attempt stops", self._key)
                self.lost = True
                self._on_lost()
                return

    async def _renew_key(self) -> bool:
        """False only when another worker holds the key; a Redis error is not a loss (nobody
        else can take the job from a Redis this worker cannot reach either)."""
        try:
            if await self._redis.pexpire(self._key, self._ms):
                return True
            return bool(await self._redis.set(self._key, b"1", px=self._ms, nx=True))
        except Exception:
            log.warning("could not renew export lease %s", self._key)
            return True

    async def _still_ours(self) -> bool:
        try:
            return await asyncio.to_thread(self._jobs.renew, self._job_id, self._attempt)
        except Exception:  # a busy store must not stop the export; Redis decides
            log.warning("could not record the heartbeat of export %s", self._job_id)
            return True
